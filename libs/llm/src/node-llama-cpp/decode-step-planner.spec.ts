import { DecodeItem, planDecodeStep } from './decode-step-planner';

const item = (tokens: number): DecodeItem => ({ tokens: Array.from({ length: tokens }, (_, i) => i) });
const amounts = (plan: Array<{ item: DecodeItem; processAmount: number }>, items: DecodeItem[]) =>
  items.map((it) => plan.find((p) => p.item === it)?.processAmount ?? 0);

describe('planDecodeStep', () => {
  it('puts every streaming answer’s next token in the step and caps the prompt tokens beside them', () => {
    const answers = [item(1), item(1), item(1)];
    const prompt = item(64);
    const items = [prompt, ...answers];

    const plan = planDecodeStep(items, 512, { streamingAnswers: () => 3, promptTokensWhileStreaming: 16 });

    expect(amounts(plan, items)).toEqual([16, 1, 1, 1]);
  });

  it('gives a prompt the whole step when nothing is streaming, and shares what is left among prompts oldest first', () => {
    const [a, b, c] = [item(300), item(300), item(300)];
    const plan = planDecodeStep([a, b, c], 512, { streamingAnswers: () => 0, promptTokensWhileStreaming: 16 });
    expect(amounts(plan, [a, b, c])).toEqual([300, 212, 0]);
  });

  it('takes one prompt token only when the streaming answers have not handed in their next token yet', () => {
    const prompt = item(64);
    const plan = planDecodeStep([prompt], 512, { streamingAnswers: () => 5, promptTokensWhileStreaming: 32 });
    expect(amounts(plan, [prompt])).toEqual([1]);
  });

  it('never plans an empty step while there is work, and never more than the step holds', () => {
    for (const streaming of [0, 3]) {
      for (const items of [[item(1)], [item(2)], [item(1), item(1), item(40)], [item(700)]]) {
        const plan = planDecodeStep(items, 32, { streamingAnswers: () => streaming, promptTokensWhileStreaming: 8 });
        const total = plan.reduce((s, p) => s + p.processAmount, 0);
        expect(total).toBeGreaterThan(0);
        expect(total).toBeLessThanOrEqual(32);
        for (const p of plan) expect(p.processAmount).toBeLessThanOrEqual(p.item.tokens.length);
      }
    }
  });
});
