import { intVar, numberVar } from '@relay/config';
import { z } from 'zod';

export const llmWorkerConfigSchema = z.object({
  /** A chunk record is published once this many ms passed since its first piece of text… */
  STREAM_COALESCE_MS: intVar(25, 0, 10_000),
  /** …or once it holds this many pieces, whichever comes first. 0 ms / 1 piece = one record per token. */
  STREAM_COALESCE_MAX_PIECES: intVar(16, 1, 10_000),
  /** Least share of an answer sentence's new terms a source must contain for the sentence to cite it (0–1). */
  ATTRIBUTION_MIN_SUPPORT: numberVar(0.5, 0, 1),
  /** Until its first chunk, a waiting prompt's status (place in line, or the model reading it) is said again after this many ms of silence. */
  STATUS_HEARTBEAT_MS: intVar(3000, 50, 60_000),
  /** How often this worker tells the gateways its capacity on llm.capacity (for admission by estimate); 0 = never. */
  CAPACITY_REPORT_MS: intVar(1000, 0, 60_000),
});
export type LlmWorkerConfig = z.infer<typeof llmWorkerConfigSchema>;

export const LLM_WORKER_CONFIG = Symbol('LLM_WORKER_CONFIG');
