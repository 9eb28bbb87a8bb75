/** What a live LLM worker last reported of itself (llm.capacity). */
export interface WorkerLoad {
  parallelism: number;
  running: number;
  queued: number;
  /** Measured time of one answer; null while the worker has not finished one. */
  serviceMs: number | null;
}

export interface WaitEstimate {
  /** Answers running or waiting ahead of a new message (on the workers, and accepted here but not at a worker yet). */
  ahead: number;
  /** Answers the live workers generate at once, together. */
  slots: number;
  /** Answers the live workers finish per second, together, at full load. */
  answersPerSec: number;
  /** How long a new message would wait for its whole answer: until a slot frees for it, plus one answer. */
  estimatedWaitMs: number;
}

/**
 * How long a message accepted now would take to be answered, from the live workers' reports and the messages this
 * gateway accepted that no worker has yet (`pendingHere`). Each worker finishes `parallelism / serviceMs` answers per
 * ms at full load; a new message starts once all but `slots − 1` of the answers ahead of it have finished, then
 * takes one answer's time. A worker that has not measured an answer yet counts at the others' average; undefined
 * when no worker has measured one (nothing to estimate from: a model just starting is not refused).
 *
 * First come, first served is assumed; the workers' fair queue lets a new user's first prompt go before another
 * user's queued ones, which delays those by at most the few answers it puts ahead of them (the headroom covers it).
 */
export function estimateWait(workers: readonly WorkerLoad[], pendingHere: number): WaitEstimate | undefined {
  const measured = workers.filter((w) => w.serviceMs !== null).map((w) => w.serviceMs!);
  if (measured.length === 0) return undefined;
  const averageServiceMs = measured.reduce((a, b) => a + b, 0) / measured.length;
  let slots = 0;
  let perMs = 0;
  let ahead = Math.max(0, pendingHere);
  for (const w of workers) {
    slots += w.parallelism;
    perMs += w.parallelism / (w.serviceMs ?? averageServiceMs);
    ahead += w.running + w.queued;
  }
  const mustFinishFirst = Math.max(0, ahead - slots + 1);
  // slots / perMs: one answer's time, weighted as the workers share the work.
  const estimatedWaitMs = Math.round(mustFinishFirst / perMs + slots / perMs);
  return { ahead, slots, answersPerSec: perMs * 1000, estimatedWaitMs };
}
