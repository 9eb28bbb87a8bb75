import type { AnswerDetails, Attribution, Citation, ErrorBody, FinishReason, Grounding } from '@relay/contracts';

export const SESSION_STORE = Symbol('SESSION_STORE');

export interface SessionRecord {
  sessionId: string;
  userId: string;
  createdAt: string;
  /** The name its user gave it (rename); none until then. */
  title?: string;
}

/** A chat as its user's list shows it. */
export interface SessionSummary {
  sessionId: string;
  title?: string;
  createdAt: string;
  /** The last turn's time (the creation time before any): lists are newest first by it. */
  updatedAt: string;
}

export interface StoredMessage {
  messageId: string;
  role: 'user' | 'assistant';
  text: string;
  createdAt: string;
  finishReason?: FinishReason;
  citations?: Citation[];
  grounding?: Grounding | null;
  attributions?: Attribution[];
  /** Assistant turns: what chat:done carried besides the text, so a reloaded page can show it again. */
  details?: AnswerDetails;
  /** Assistant turns that failed (text ''): the error the client was sent. */
  error?: Pick<ErrorBody, 'code' | 'message'>;
}

/**
 * Sessions, their history, and which client message ids they have seen (for idempotent sends). Adapters: the file
 * store (one process) and the Postgres store (shared by gateway replicas); test/stores holds the contract both meet.
 * Methods other than get, appendMessage and delete reject for a session that does not exist.
 */
export interface SessionStore {
  isReady(): boolean;
  create(session: SessionRecord): Promise<void>;
  get(sessionId: string): Promise<SessionRecord | undefined>;
  /**
   * Adds a turn at the end of the history. Idempotent by message id: a turn whose (messageId, role) the history
   * already holds is not added again (a user's message and its answer share a message id), so an answer recorded
   * twice, by two gateway replicas or by a retry, is kept once, as first recorded. Ignored for a session that does
   * not exist (an answer that finishes after its session was deleted has nowhere to go).
   */
  appendMessage(sessionId: string, message: StoredMessage): Promise<void>;
  /** The history in the order it was recorded. */
  messages(sessionId: string): Promise<StoredMessage[]>;
  /** The message id already given to this client message id, if any. */
  findClientMessage(sessionId: string, clientMessageId: string): Promise<string | undefined>;
  /** Keeps the first message id given to a client message id; resolves to the one kept (this one, or an earlier one). */
  rememberClientMessage(sessionId: string, clientMessageId: string, messageId: string): Promise<string>;
  /** Forgets the session and its history; false if there was none. Later appends to it are ignored. */
  delete(sessionId: string): Promise<boolean>;
  /** The user's sessions, most recently used first (at most `limit`). */
  listOf(userId: string, limit: number): Promise<SessionSummary[]>;
  /** Names the session; false if there is none. */
  rename(sessionId: string, title: string): Promise<boolean>;
}
