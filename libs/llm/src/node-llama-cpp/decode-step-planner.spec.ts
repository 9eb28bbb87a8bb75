import { DecodeItem, planDecodeStep } from './decode-step-planner';

let sequences = 0;
/** An answer's next token. */
const nextToken = (sequence = ++sequences): DecodeItem => ({ tokens: [1], logits: [true], evaluationPriority: sequence });
/** A prompt's last piece: its last token yields the answer's first token. */
const lastPiece = (n: number, sequence = ++sequences): DecodeItem => ({
  tokens: Array.from({ length: n }, (_, i) => i),
  logits: Object.assign(new Array(n), { [n - 1]: true as const }),
  evaluationPriority: sequence,
});
/** Another piece of a prompt. */
const piece = (n: number, sequence = ++sequences): DecodeItem => ({ tokens: Array.from({ length: n }, (_, i) => i), logits: new Array(n), evaluationPriority: sequence });

const amounts = (plan: Array<{ item: DecodeItem; processAmount: number }>, items: DecodeItem[]) =>
  items.map((it) => plan.find((p) => p.item === it)?.processAmount ?? 0);

describe('planDecodeStep', () => {
  it('puts every streaming answer’s next token in the step and caps the prompt tokens beside them', () => {
    const items = [piece(64), nextToken(), nextToken(), nextToken()];
    const plan = planDecodeStep(items, 512, { streamingAnswers: () => 3, promptTokensWhileStreaming: 16 });
    expect(amounts(plan, items)).toEqual([16, 1, 1, 1]);
  });

  it('starts every chat whose prompt is read at once: last pieces go in whole, beside streaming answers', () => {
    const items = [nextToken(), lastPiece(20), lastPiece(18), piece(64), lastPiece(30)];
    const plan = planDecodeStep(items, 512, { streamingAnswers: () => 1, promptTokensWhileStreaming: 16 });
    expect(amounts(plan, items)).toEqual([1, 20, 18, 16, 30]);
  });

  it('gives prompts the whole step when nothing is streaming, oldest first', () => {
    const items = [piece(300), piece(300), piece(300)];
    const plan = planDecodeStep(items, 512, { streamingAnswers: () => 0, promptTokensWhileStreaming: 16 });
    expect(amounts(plan, items)).toEqual([300, 212, 0]);
  });

  it('takes one prompt token only when the streaming answers have not handed in their next token yet', () => {
    const items = [piece(64)];
    const plan = planDecodeStep(items, 512, { streamingAnswers: () => 5, promptTokensWhileStreaming: 32 });
    expect(amounts(plan, items)).toEqual([1]);
  });

  it('hands the step to llama.cpp in the order of the sequences, whatever order the items came in', () => {
    const items = [nextToken(5), piece(40, 2), nextToken(1), lastPiece(10, 4), nextToken(3)];
    const plan = planDecodeStep(items, 512, { streamingAnswers: () => 3, promptTokensWhileStreaming: 16 });
    expect(plan.map((p) => p.item.evaluationPriority)).toEqual([1, 2, 3, 4, 5]);
  });

  it('never plans an empty step while there is work, and never more than the step holds', () => {
    for (const streaming of [0, 3]) {
      for (const items of [[nextToken()], [piece(2)], [lastPiece(40)], [nextToken(), nextToken(), piece(40), lastPiece(40)], [piece(700)]]) {
        const plan = planDecodeStep(items, 32, { streamingAnswers: () => streaming, promptTokensWhileStreaming: 8 });
        const total = plan.reduce((s, p) => s + p.processAmount, 0);
        expect(total).toBeGreaterThan(0);
        expect(total).toBeLessThanOrEqual(32);
        for (const p of plan) expect(p.processAmount).toBeLessThanOrEqual(p.item.tokens.length);
      }
    }
  });
});
