import { z } from 'zod';
import type { ErrorCode } from './error-codes';
import type { StageTiming } from './envelope';
import type { PromptSource } from './messages/chat-prompt.dto';
import type { Attribution, Citation, FinishReason, Grounding, ModelTimings } from './messages/chat-response.dto';
import type { Moderation } from './messages/chat-message.dto';
import { collectionIdSchema, MAX_SCOPE_COLLECTIONS } from './collections';

/** Socket.IO namespace of the chat protocol (see docs/protocol.md). */
export const CHAT_NAMESPACE = '/chat';

export const CLIENT_EVENTS = {
  send: 'chat:send',
  cancel: 'chat:cancel',
  history: 'chat:history',
  resume: 'chat:resume',
} as const;

export const SERVER_EVENTS = {
  chunk: 'chat:chunk',
  done: 'chat:done',
  error: 'chat:error',
  restart: 'chat:restart',
  status: 'chat:status',
  sources: 'chat:sources',
} as const;

const id = z.string().trim().min(1).max(100);

export const chatSendSchema = z.object({
  sessionId: id,
  clientMessageId: id,
  // Length and emptiness are checked by the session manager so they get their own error codes.
  text: z.string(),
  /**
   * Search only these collections, of those the user may read (others are ignored without saying whether they
   * exist). Absent: every collection the user may read. Empty: none, so the answer uses no documents.
   */
  collectionIds: z.array(collectionIdSchema).max(MAX_SCOPE_COLLECTIONS).optional(),
});
export type ChatSend = z.infer<typeof chatSendSchema>;

/** `sessionId` lets a gateway that did not accept the message (another replica) check the chat is the caller's. */
export const chatCancelSchema = z.object({ messageId: id, sessionId: id.optional() });
export type ChatCancel = z.infer<typeof chatCancelSchema>;

export const chatResumeSchema = z.object({ sessionId: id, messageId: id, fromSeq: z.number().int().nonnegative() });
export type ChatResume = z.infer<typeof chatResumeSchema>;

export const chatHistoryRequestSchema = z.object({ sessionId: id });
export type ChatHistoryRequest = z.infer<typeof chatHistoryRequestSchema>;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  retryAfterMs?: number;
  /** BUSY by estimate: how long a new message would wait now for its whole answer, from measured throughput. */
  estimatedWaitMs?: number;
}
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ErrorBody };

export interface HistoryMessage {
  messageId: string;
  role: 'user' | 'assistant';
  text: string;
  createdAt: string;
  finishReason?: FinishReason;
  citations?: Citation[];
  /** Assistant turns: as chat:done carried them (absent in turns stored before they existed). */
  grounding?: Grounding | null;
  attributions?: Attribution[];
  /** Assistant turns: moderation, usage, model and timings as chat:done carried them. */
  details?: AnswerDetails;
  /** Assistant turns that failed: the error chat:error carried (text is ''). */
  error?: { code: ErrorCode; message: string };
}

/** The parts of chat:done that describe how an answer was made. */
export interface AnswerDetails {
  moderation: Moderation;
  usage: { promptTokens: number; completionTokens: number };
  model: string;
  timings: ChatTimings;
}

export interface ChatChunkEvent {
  sessionId: string;
  messageId: string;
  seq: number;
  delta: string;
}

export interface ChatTimings {
  /** Per stage: time waiting in the transport before it, and time spent in it. */
  stages: StageTiming[];
  /** From the gateway accepting the message to the first chunk reaching the gateway. */
  firstTokenMs: number | null;
  /** From the gateway accepting the message to the answer being complete. */
  totalMs: number;
  /** The LLM worker's share: queue, prompt reading, writing (absent from answers cancelled before the worker). */
  model?: ModelTimings;
}

export interface ChatDoneEvent {
  sessionId: string;
  messageId: string;
  text: string;
  finishReason: FinishReason;
  citations: Citation[];
  /** What the answer rests on: grounded in a cited source, not found in the documents, or unsupported by them. */
  grounding: Grounding | null;
  /** Sentences of `text` the server matched to a source (those without a `[n]` of their own). */
  attributions: Attribution[];
  moderation: Moderation;
  usage: { promptTokens: number; completionTokens: number };
  model: string;
  timings: ChatTimings;
}

/**
 * Where a message is before its answer streams, at least every few seconds until the first chunk: `searching`
 * (finding passages), `building` (assembling the prompt), `queued` (waiting for the model; `position` 1 is next, sent
 * again when it changes and every few seconds), `generating` (the model is reading it), `restarted` (a worker died
 * and another took the message over; more statuses follow). Later versions may add states: ignore unknown ones.
 */
export type ChatStatusEvent = { sessionId: string; messageId: string } & ({ state: 'queued'; position: number } | { state: 'generating' | 'searching' | 'building' | 'restarted' });

/** The numbered sources the model is given, sent as soon as retrieval is done, before the first chunk. */
export interface ChatSourcesEvent {
  sessionId: string;
  messageId: string;
  sources: PromptSource[];
}

/** The answer is being generated again from the start (its worker died): drop what was shown; seq restarts at 0. */
export interface ChatRestartEvent {
  sessionId: string;
  messageId: string;
}

export interface ChatErrorEvent {
  sessionId: string;
  messageId: string | null;
  code: ErrorCode;
  message: string;
}

/** Socket.IO's typed maps, used by the gateway's server and by clients. */
export interface ClientToServerEvents {
  'chat:send': (payload: ChatSend, ack: (res: Ack<{ messageId: string }>) => void) => void;
  'chat:cancel': (payload: ChatCancel, ack: (res: Ack) => void) => void;
  'chat:history': (payload: ChatHistoryRequest, ack: (res: Ack<{ messages: HistoryMessage[] }>) => void) => void;
  'chat:resume': (payload: ChatResume, ack: (res: Ack<{ replayed: number; state: 'streaming' | 'done' | 'unknown' }>) => void) => void;
}

export interface ServerToClientEvents {
  'chat:chunk': (event: ChatChunkEvent) => void;
  'chat:done': (event: ChatDoneEvent) => void;
  'chat:error': (event: ChatErrorEvent) => void;
  'chat:restart': (event: ChatRestartEvent) => void;
  'chat:status': (event: ChatStatusEvent) => void;
  'chat:sources': (event: ChatSourcesEvent) => void;
}
