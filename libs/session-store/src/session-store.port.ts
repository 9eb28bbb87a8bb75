import type { AnswerDetails, Attribution, Citation, ErrorBody, FinishReason, Grounding } from '@relay/contracts';

export const SESSION_STORE = Symbol('SESSION_STORE');

export interface SessionRecord {
  sessionId: string;
  userId: string;
  createdAt: string;
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

/** Sessions, their history, and which client message ids they have seen (for idempotent sends). */
export interface SessionStore {
  isReady(): boolean;
  create(session: SessionRecord): Promise<void>;
  get(sessionId: string): Promise<SessionRecord | undefined>;
  appendMessage(sessionId: string, message: StoredMessage): Promise<void>;
  messages(sessionId: string): Promise<StoredMessage[]>;
  /** The message id already given to this client message id, if any. */
  findClientMessage(sessionId: string, clientMessageId: string): Promise<string | undefined>;
  rememberClientMessage(sessionId: string, clientMessageId: string, messageId: string): Promise<void>;
  /** Forgets the session and its history; false if there was none. Later appends to it are ignored. */
  delete(sessionId: string): Promise<boolean>;
}
