/**
 * How many answers the local model generates at once when LLM_PARALLEL is not set: one context sequence each, all
 * decoded together in one batch per step.
 *
 * On a CPU a decode step reads every weight of the model once whatever the number of sequences in it, so up to a
 * point more sequences cost little more time per step: on the 2-core machine of docs/benchmarks.md a step of 16
 * sequences took about 5.6 times as long as a step of one, which is 2.8 times the tokens per second. Beyond that the
 * step grows with the sequences and every answer streams slower. So: SEQUENCES_PER_CORE for each core the process
 * may use, at most MAX_PARALLEL, and no more than fit in a quarter of the memory free at start-up (each sequence
 * holds the KV cache of LLM_CONTEXT_SIZE tokens: about 24 MB for Qwen2.5-Coder-0.5B at 2048).
 */
export const SEQUENCES_PER_CORE = 8;
export const MAX_PARALLEL = 32;
export const MEMORY_SHARE = 0.25;

export function defaultParallelism(machine: { cores: number; freeMemoryBytes: number; bytesPerSequence: number }): number {
  const byCores = SEQUENCES_PER_CORE * Math.max(1, machine.cores);
  const byMemory = Math.floor((MEMORY_SHARE * machine.freeMemoryBytes) / Math.max(1, machine.bytesPerSequence));
  return Math.max(1, Math.min(MAX_PARALLEL, byCores, byMemory));
}
