import { z } from 'zod';

/**
 * `llm.capacity`: what one LLM worker can take on, published every CAPACITY_REPORT_MS by each worker and read by
 * every gateway, which refuses a new chat with BUSY when the work ahead of it could not be answered before its
 * deadline (docs/architecture.md, "Admission by estimate"). The envelope's sessionId is the worker's id (the key)
 * and its messageId is the report's own; a report carries no chat message and no deadline.
 */
export const workerCapacitySchema = z.object({
  type: z.literal('capacity'),
  /** This worker process: its reports replace its earlier ones. */
  workerId: z.string().min(1).max(100),
  model: z.string().max(200),
  /** Answers the model generates at once (LLM_PARALLEL, or what the model settled on). */
  parallelism: z.number().int().positive().max(4096),
  /** Answers being generated now. */
  running: z.number().int().nonnegative().max(1_000_000),
  /** Prompts waiting in its queue for the model. */
  queued: z.number().int().nonnegative().max(1_000_000),
  /**
   * Measured time of one answer from leaving the queue to its last token, an exponentially weighted moving average
   * over the answers it finished (under whatever load it had); null until it has finished one.
   */
  serviceMs: z.number().positive().max(86_400_000).nullable(),
  /** How often this worker reports: a gateway drops a report older than a few of these. */
  intervalMs: z.number().int().positive().max(3_600_000),
});
export type WorkerCapacity = z.infer<typeof workerCapacitySchema>;
