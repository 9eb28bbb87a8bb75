import { z } from 'zod';
import { ERROR_CODES } from '../error-codes';
import { moderationSchema } from './chat-message.dto';
import { promptSourceSchema } from './chat-prompt.dto';

/** How an answer was found to use a source: it wrote the source's `[n]`, or a sentence of it matched the source. */
export const CITED_BY = ['marker', 'attribution'] as const;
export type CitedBy = (typeof CITED_BY)[number];

export const citationSchema = promptSourceSchema.extend({
  /** True when the answer uses this source: its text cites `[n]`, or one of its sentences is attributed to it. */
  cited: z.boolean(),
  /** Set when cited: which way the use was found (a marker wins over an attribution). */
  citedBy: z.enum(CITED_BY).optional(),
});
export type Citation = z.infer<typeof citationSchema>;

/**
 * Why the answer ended. `repetition`: the answer started repeating itself and was cut at the last clean sentence.
 * `not_found`: nothing retrieved was relevant enough, so the model was not asked and the answer is a fixed sentence.
 */
export const FINISH_REASONS = ['stop', 'length', 'cancelled', 'repetition', 'not_found'] as const;
export type FinishReason = (typeof FINISH_REASONS)[number];

/**
 * What the answer rests on. `grounded`: at least one source is cited. `not_found`: the documents do not hold the
 * answer (nothing relevant was retrieved, or the model said the sources do not say). `unsupported`: the answer says
 * something, but none of it matches any source. Null when there is no answer text to judge (cancelled at once).
 */
export const GROUNDINGS = ['grounded', 'not_found', 'unsupported'] as const;
export type Grounding = (typeof GROUNDINGS)[number];

/** A sentence of the answer (offsets into its text) that the server matched to the source numbered `n`. */
export const attributionSchema = z.object({
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  n: z.number().int().positive(),
});
export type Attribution = z.infer<typeof attributionSchema>;

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
 * Where a message is before its answer streams, sent by the stage that has it as it starts work and, by the LLM
 * worker, again every STATUS_HEARTBEAT_MS until the first chunk, so a waiting client hears something every few seconds:
 * - `searching`: the embedder or the retriever is finding the passages (from each as it starts);
 * - `building`: the prompt builder is assembling the prompt;
 * - `queued`: waiting in the LLM worker's queue, `position` 1 being next (re-sent even when unchanged);
 * - `generating`: the model is reading it (sent as it leaves the queue or starts at once, and re-sent while it reads);
 * - `restarted`: never on chat.responses; the gateway tells its clients so when statuses of a second attempt arrive
 *   (another `generationId`: a worker took the prompt over after the one that had it died).
 * A receiver ignores a state it does not know.
 */
export const STATUS_STATES = ['queued', 'generating', 'searching', 'building', 'restarted'] as const;
export type StatusState = (typeof STATUS_STATES)[number];
export const responseStatusSchema = z
  .object({
    type: z.literal('status'),
    state: z.enum(STATUS_STATES),
    position: z.number().int().positive().optional(),
    /** The LLM worker's attempt at the answer (the generationId its chunks will carry): a new one means a restart. */
    generationId: z.string().min(1).max(100).optional(),
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
  grounding: z.enum(GROUNDINGS).nullable().default(null),
  /** Sentences cited by attribution rather than by a `[n]` the model wrote, each with its source. */
  attributions: z.array(attributionSchema).max(500).default([]),
});

/** The numbered sources the prompt builder gave the model, sent as soon as retrieval is done (before any chunk). */
export const responseSourcesSchema = z.object({
  type: z.literal('sources'),
  sources: z.array(promptSourceSchema).max(50),
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
  responseSourcesSchema,
  responseChunkSchema,
  responseDoneSchema,
  responseErrorSchema,
]);
export type ChatResponse = z.infer<typeof chatResponseSchema>;
export type ResponseDone = z.infer<typeof responseDoneSchema>;
export type ResponseStatus = z.infer<typeof responseStatusSchema>;
export type ResponseSources = z.infer<typeof responseSourcesSchema>;
