/**
 * Decides what one decode step of the shared context evaluates, so that many answers stream at once and a long
 * prompt never holds them up. Plugged into node-llama-cpp as its batch prioritization strategy: each step it is given
 * the pending items (one per sequence, in arrival order) and the most tokens a step may hold, and returns how many
 * tokens of which items to evaluate. An item is one of:
 * - an answer's next token (one token, whose logits are wanted);
 * - the last piece of a prompt (at most LLM_PROMPT_CHUNK_TOKENS, logits wanted on its last token: it yields the
 *   answer's first token);
 * - another piece of a prompt (no logits wanted).
 *
 * Every next token and every last piece goes into the step: answers advance together, and a chat whose prompt is
 * read starts streaming at once (a burst of new chats with short prompts all start in one step). Other prompt pieces
 * fill the rest, oldest first; while answers are streaming, at most `promptTokensWhileStreaming` of their tokens
 * join a step, so a long prompt slows the answers down instead of stopping them.
 *
 * node-llama-cpp evaluates the next step as soon as one ends if anything is queued. Should a step hold nothing but
 * middle prompt pieces while answers are streaming (they had not handed in their next token yet), it takes a single
 * token: a short step during which their tokens arrive, instead of a long one they would have to wait out.
 *
 * The step's items go to llama.cpp in the order of their sequences. Its KV cache keeps each sequence apart (one
 * stream each), and then it computes a step in one pass only over sequences it meets in increasing order of id: out
 * of order, a step of 16 answers was cut into several passes, each reading all the weights (twice the CPU time, in
 * a measurement). node-llama-cpp does not tell the sequence of an item; NodeLlamaCppLlm passes each sequence's
 * number as the item's `evaluationPriority`, which only this planner reads.
 */
export interface DecodeItem {
  readonly tokens: readonly unknown[];
  readonly logits: readonly (true | undefined)[];
  /** The sequence's number (see above). */
  readonly evaluationPriority: number;
}

export interface PlannedItem<T extends DecodeItem> {
  item: T;
  processAmount: number;
}

export interface DecodeStepPlannerOptions {
  /** Answers currently generating: their next tokens are due in every step. */
  streamingAnswers(): number;
  promptTokensWhileStreaming: number;
}

export function planDecodeStep<T extends DecodeItem>(items: readonly T[], size: number, options: DecodeStepPlannerOptions): PlannedItem<T>[] {
  const yieldsToken = (item: T) => item.logits[item.tokens.length - 1] === true;
  const plan: PlannedItem<T>[] = [];
  let room = size;
  const take = (item: T, amount: number) => {
    plan.push({ item, processAmount: amount });
    room -= amount;
  };

  // Next tokens first (one each), then prompts' last pieces, whole while they fit.
  for (const item of items) if (item.tokens.length === 1 && room > 0) take(item, 1);
  for (const item of items) if (item.tokens.length > 1 && yieldsToken(item) && item.tokens.length <= room) take(item, item.tokens.length);

  const middlePieces = items.filter((item) => item.tokens.length > 1 && !plan.some((p) => p.item === item));
  const streaming = options.streamingAnswers() > 0;
  let budget = room;
  if (streaming) budget = Math.min(budget, plan.length === 0 ? 1 : options.promptTokensWhileStreaming);
  for (const item of middlePieces) {
    if (budget <= 0) break;
    const amount = Math.min(item.tokens.length, budget);
    take(item, amount);
    budget -= amount;
  }
  return plan.sort((a, b) => a.item.evaluationPriority - b.item.evaluationPriority);
}
