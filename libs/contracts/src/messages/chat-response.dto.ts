import { z } from 'zod';
import { ERROR_CODES } from '../error-codes';
import { moderationSchema } from './chat-message.dto';
import { promptSourceSchema } from './chat-prompt.dto';

export const citationSchema = promptSourceSchema.extend({
  /** True when the answer's text contains this source's `[n]`. */
  cited: z.boolean(),
});
export type Citation = z.infer<typeof citationSchema>;

export const FINISH_REASONS = ['stop', 'length', 'cancelled'] as const;
export type FinishReason = (typeof FINISH_REASONS)[number];

/** The pre-processor accepted the query; `text` is the (possibly masked) text the session history keeps. */
export const responseAcceptedSchema = z.object({
  type: z.literal('accepted'),
  text: z.string(),
  moderation: moderationSchema,
});

export const modelTimingsSchema = z.object({
  /** In the LLM worker's queue, waiting for a free sequence. */
  queuedMs: z.number().nonnegative(),
  /** From getting a sequence to the first piece of text: reading the prompt. */
  promptMs: z.number().nonnegative(),
  /** From the first piece of text to the last. */
  generationMs: z.number().nonnegative(),
  /** Prompt tokens the model already held (a shared start reused) and did not read again. */
  cachedPromptTokens: z.number().int().nonnegative(),
});
export type ModelTimings = z.infer<typeof modelTimingsSchema>;

/**
 * Where a message is before its answer streams, sent again whenever that changes. `queued`: waiting in the LLM
 * worker's queue, `position` 1 being next; `generating`: it left the queue, the model is reading it. Later stages may
 * add states; a receiver ignores a state it does not know.
 */
export const STATUS_STATES = ['queued', 'generating'] as const;
export type StatusState = (typeof STATUS_STATES)[number];
export const responseStatusSchema = z
  .object({
    type: z.literal('status'),
    state: z.enum(STATUS_STATES),
    position: z.number().int().positive().optional(),
  })
  .refine((s) => (s.state === 'queued') === (s.position !== undefined), { message: 'position is given exactly when queued' });

/** A piece of the answer; `seq` counts from 0 per message with no gaps. */
export const responseChunkSchema = z.object({
  type: z.literal('chunk'),
  /** One attempt at generating the answer. A new id with seq 0 means another worker started over. */
  generationId: z.string().min(1).max(100),
  seq: z.number().int().nonnegative(),
  delta: z.string(),
});

export const responseDoneSchema = z.object({
  type: z.literal('done'),
  generationId: z.string().min(1).max(100),
  text: z.string(),
  /** How many chunks came before this record, so a receiver can tell it has them all. */
  chunks: z.number().int().nonnegative(),
  finishReason: z.enum(FINISH_REASONS),
  citations: z.array(citationSchema),
  moderation: moderationSchema,
  usage: z.object({ promptTokens: z.number().int().nonnegative(), completionTokens: z.number().int().nonnegative() }),
  model: z.string(),
  /** From the worker starting on the prompt to the model's first piece of text. */
  firstTokenMs: z.number().nonnegative().nullable(),
  /** Where the worker's time went: waiting for a free sequence, reading the prompt, writing the answer. */
  modelTimings: modelTimingsSchema.optional(),
});

export const responseErrorSchema = z.object({
  type: z.literal('error'),
  code: z.enum(ERROR_CODES),
  message: z.string(),
});

/** `chat.responses`: everything the gateway relays back to the client about one message. */
export const chatResponseSchema = z.discriminatedUnion('type', [
  responseAcceptedSchema,
  responseStatusSchema,
  responseChunkSchema,
  responseDoneSchema,
  responseErrorSchema,
]);
export type ChatResponse = z.infer<typeof chatResponseSchema>;
export type ResponseDone = z.infer<typeof responseDoneSchema>;
export type ResponseStatus = z.infer<typeof responseStatusSchema>;
