import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * Schema version of the envelope and of every payload inside it, stamped on every record this process writes. Bump
 * on an incompatible change.
 * - 2: chat queries carry their retrieval `scope` and docs.ingest upserts their `collectionId`. A version-1 process
 *   would silently drop both (searching everything, indexing a private document into no collection), so it must
 *   refuse version-2 records rather than read them; it does, since it accepts only 1.
 */
export const SCHEMA_VERSION = 2;

/**
 * The versions this process reads. Version-1 records (left in a topic by an older Relay during an upgrade) are still
 * processed, each missing field read with the default its payload schema gives: a query without a scope retrieves
 * nothing, a document without a collection goes to `default`.
 */
export const READABLE_SCHEMA_VERSIONS = [1, 2] as const;
export type SchemaVersion = (typeof READABLE_SCHEMA_VERSIONS)[number];

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one host. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/**
 * The W3C trace context of the span that published a record (`00-<trace id>-<parent span id>-<flags>`), so a trace
 * continues in the process that handles it. It travels in the envelope and as the `traceparent` record header
 * (TRACEPARENT_HEADER). Tracing never costs a message: a malformed value reads as absent instead of failing the record.
 */
export const TRACEPARENT_PATTERN = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
export const traceparentSchema = z.string().regex(TRACEPARENT_PATTERN).optional().catch(undefined);

export const stageTimingSchema = z.object({
  stage: z.string(),
  /** Time the record waited between publish and the stage starting it: the transport's cost for this hop. */
  queuedMs: z.number().nonnegative(),
  /** Time the stage spent on it. */
  handledMs: z.number().nonnegative(),
});
export type StageTiming = z.infer<typeof stageTimingSchema>;

/** What every record on every topic carries around its payload. The key on the wire is `sessionId`. */
export const envelopeSchema = <P extends z.ZodType>(payload: P) =>
  z.object({
    schemaVersion: z.literal([...READABLE_SCHEMA_VERSIONS]),
    /** The chat message this record is about; stable across every hop. */
    messageId: z.string().min(1).max(100),
    correlationId: z.string().min(1).max(100),
    sessionId: z.string().min(1).max(100),
    createdAt: z.string().datetime(),
    /** Set by the publisher at publish time. */
    sentAt: z.number(),
    timings: z.array(stageTimingSchema).max(64),
    /**
     * Wall-clock epoch ms after which no one waits for this message's answer: a stage that receives the record later
     * skips it and answers EXPIRED (see isPastDeadline). Set by the gateway when it accepts a chat message; absent on
     * records of an older Relay and on records with no client waiting (documents), which never expire.
     */
    deadline: z.number().positive().optional(),
    /** The trace this message belongs to (see traceparentSchema); absent on records of an older Relay or with tracing off. */
    traceparent: traceparentSchema,
    payload,
  });

export interface Envelope<P> {
  schemaVersion: SchemaVersion;
  messageId: string;
  correlationId: string;
  sessionId: string;
  createdAt: string;
  sentAt: number;
  timings: StageTiming[];
  deadline?: number;
  traceparent?: string;
  payload: P;
}

/** A received envelope, stamped by the transport with the moment its handler started. */
export type Delivered<P> = Envelope<P> & { receivedAt: number };

export function createEnvelope<P>(fields: { sessionId: string; messageId?: string; correlationId?: string; deadline?: number; payload: P }): Envelope<P> {
  return {
    schemaVersion: SCHEMA_VERSION,
    messageId: fields.messageId ?? randomUUID(),
    correlationId: fields.correlationId ?? randomUUID(),
    sessionId: fields.sessionId,
    createdAt: new Date().toISOString(),
    sentAt: 0,
    timings: [],
    ...(fields.deadline !== undefined && { deadline: fields.deadline }),
    payload: fields.payload,
  };
}

/** The timing a stage adds for the record it is handling, measured up to now. */
export function stageTiming(received: Delivered<unknown>, stage: string): StageTiming {
  return {
    stage,
    queuedMs: Math.max(0, received.receivedAt - received.sentAt),
    handledMs: Math.max(0, nowMs() - received.receivedAt),
  };
}

/** The next hop's envelope: same ids, deadline and trace, the new payload, this stage's timing appended. */
export function forwardEnvelope<P>(received: Delivered<unknown>, stage: string, payload: P): Envelope<P> {
  return {
    schemaVersion: SCHEMA_VERSION,
    messageId: received.messageId,
    correlationId: received.correlationId,
    sessionId: received.sessionId,
    createdAt: received.createdAt,
    sentAt: 0,
    timings: [...received.timings, stageTiming(received, stage)],
    ...(received.deadline !== undefined && { deadline: received.deadline }),
    // Kept so a trace still continues through a process that does not trace; a tracing publisher stamps its own span.
    ...(received.traceparent !== undefined && { traceparent: received.traceparent }),
    payload,
  };
}

/**
 * An envelope about the same message on another branch, e.g. a reply on chat.responses: same ids and deadline, no
 * timings, and this process's schema version (the payload is this process's, whatever version the record it answers had).
 */
export function replyEnvelope<P>(received: Envelope<unknown>, payload: P): Envelope<P> {
  const { messageId, correlationId, sessionId, createdAt, deadline, traceparent } = received;
  return {
    schemaVersion: SCHEMA_VERSION,
    messageId,
    correlationId,
    sessionId,
    createdAt,
    sentAt: 0,
    timings: [],
    ...(deadline !== undefined && { deadline }),
    ...(traceparent !== undefined && { traceparent }),
    payload,
  };
}

/** True when the record's deadline has passed: nobody waits for its answer any more. A record without one never expires. */
export function isPastDeadline(envelope: Pick<Envelope<unknown>, 'deadline'>, now: number = nowMs()): boolean {
  return envelope.deadline !== undefined && now > envelope.deadline;
}
