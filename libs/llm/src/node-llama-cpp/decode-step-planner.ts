/**
 * Decides what one decode step of the shared context evaluates, so that many answers stream at once and a long
 * prompt never holds them up. Plugged into node-llama-cpp as its batch prioritization strategy: each step it is given
 * the pending items (one per sequence: a generating answer's next token, or a piece of a prompt, in arrival order)
 * and the most tokens a step may hold, and returns how many tokens of which items to evaluate.
 *
 * - Every answer's next token goes into the step: generating sequences advance together, one token each.
 * - Prompt pieces fill the rest, oldest first. While answers are streaming, at most `promptTokensWhileStreaming`
 *   prompt tokens join a step, so a step costs little more than the answers' own tokens.
 * - node-llama-cpp evaluates the next step as soon as one ends, before the streaming answers have handed in their
 *   next token. A step with prompt work only, while answers are streaming, therefore takes a single prompt token:
 *   a short step during which their tokens arrive, instead of a long one they would have to wait out.
 */
export interface DecodeItem {
  readonly tokens: readonly unknown[];
}

export interface PlannedItem<T extends DecodeItem> {
  item: T;
  processAmount: number;
}

export interface DecodeStepPlannerOptions {
  /** Answers currently generating (past their prompt): their next tokens are due in every step. */
  streamingAnswers(): number;
  promptTokensWhileStreaming: number;
}

export function planDecodeStep<T extends DecodeItem>(items: readonly T[], size: number, options: DecodeStepPlannerOptions): PlannedItem<T>[] {
  // A one-token item is an answer's next token (or the last token of a prompt, which yields its first token).
  const nextTokens = items.filter((item) => item.tokens.length === 1);
  const promptPieces = items.filter((item) => item.tokens.length > 1);
  const plan: PlannedItem<T>[] = nextTokens.slice(0, size).map((item) => ({ item, processAmount: 1 }));

  const streaming = options.streamingAnswers() > 0;
  let budget = size - plan.length;
  if (streaming) budget = Math.min(budget, plan.length === 0 ? 1 : options.promptTokensWhileStreaming);
  for (const item of promptPieces) {
    if (budget <= 0) break;
    const amount = Math.min(item.tokens.length, budget);
    plan.push({ item, processAmount: amount });
    budget -= amount;
  }
  return plan;
}
