import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  createEnvelope,
  HistoryMessage,
  HistoryTurn,
  nowMs,
  RelayError,
  type RetrievalScope,
  TOPICS,
} from '@relay/contracts';
import { SESSION_STORE, SessionRecord, SessionStore, SessionSummary, StoredMessage } from '@relay/session-store';
import { TopicPublisher } from '@relay/transport';
import { randomUUID } from 'node:crypto';
import type { Principal as ScopePrincipal } from '../access/retrieval-scope.port';
import { RetrievalScopeService } from '../access/retrieval-scope.service';
import { InteractionAudit } from '../audit/interaction-audit';
import type { Principal } from '../auth/principal';
import { AdmissionControl } from '../admission/admission-control';
import { USAGE_LEDGER, type UsageLedger } from '../fair-use/usage-ledger.port';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { SessionTokens } from './session-tokens';

/** True when the session store is shared by every gateway replica (STORE=postgres): each of them records turns. */
export const SHARED_SESSION_STORE = Symbol('SHARED_SESSION_STORE');

/** The most chats GET /api/sessions lists. */
export const MAX_LISTED_SESSIONS = 500;

/** A message accepted by this gateway whose answer is still coming. */
export interface InFlightMessage {
  sessionId: string;
  clientMessageId: string;
  acceptedAt: number;
  /** What the message may be answered from (its citations are kept within it). */
  scope?: RetrievalScope;
  /** The next chunk seq to deliver; lower ones were delivered already (duplicates are dropped). */
  nextSeq: number;
  firstChunkAt?: number;
  /** When an LLM worker first said it has the message (a status, chunk or end): until then it is work only this gateway counts. */
  reachedWorkerAt?: number;
  /** Its client left for good and its answer was cancelled (audited `abandoned`). */
  abandoned?: boolean;
  /** The user's turn is in the history (a redelivered `accepted` must not add it twice). */
  userRecorded?: boolean;
  /** Resolves once the client has its ack: nothing about the message may reach it before its messageId does. */
  acknowledged: Promise<void>;
  markAcknowledged(): void;
}

/** Longest a response waits for its message's ack (which only a crashed handler would never send). */
const ACK_WAIT_MS = 2_000;

/** What a client may ask of retrieval for one message. */
export interface SendOptions {
  /** Search only these collections (of those the user may read); absent = all it may read. */
  collectionIds?: string[];
}

/**
 * Owns sessions and their history: creates sessions (and, without sign-in, their tokens), decides who may open one,
 * accepts a user's message (once per client message id, within the user's limits) and publishes it to chat.queries
 * with the recent history and the retrieval scope of its user (the collections they may read, less documents
 * being deleted), and records each turn as the answer comes back.
 *
 * Who owns a chat: without sign-in (AUTH_MODE=anonymous) its token, `v1.<sessionId>.<hmac>`, as before; with sign-in
 * its user, the `userId` it was created by (a chat id alone opens nothing, and there is no token). The userId that
 * reaches the pipeline is the session's, which with sign-in is the authenticated one.
 */
@Injectable()
export class SessionManager {
  private readonly tokens: SessionTokens;
  private readonly inFlight = new Map<string, InFlightMessage>();
  /** Sends being published right now, so a quick re-send of the same client message id gets the same answer. */
  private readonly accepting = new Map<string, Promise<string>>();

  constructor(
    @Inject(SESSION_STORE) private readonly store: SessionStore,
    private readonly publisher: TopicPublisher,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly interactions: InteractionAudit,
    private readonly scopes: RetrievalScopeService,
    @Optional() @Inject(USAGE_LEDGER) private readonly usage?: UsageLedger,
    @Optional() @Inject(SHARED_SESSION_STORE) private readonly sharedStore = false,
    @Optional() private readonly admission?: AdmissionControl,
  ) {
    this.tokens = new SessionTokens(config.AUTH_SECRET);
  }

  /** A new chat: without sign-in, with the token that opens it; with sign-in, owned by the user (`owner: 'user'`). */
  async createSession(userId: string, options: { owner: 'token' | 'user' } = { owner: 'token' }): Promise<{ sessionId: string; token?: string; createdAt: string }> {
    const sessionId = randomUUID();
    const createdAt = new Date().toISOString();
    await this.store.create({ sessionId, userId, createdAt });
    return options.owner === 'user' ? { sessionId, createdAt } : { sessionId, token: this.tokens.issue(sessionId), createdAt };
  }

  /** The signed-in user's chats, most recently used first. */
  list(userId: string): Promise<SessionSummary[]> {
    return this.store.listOf(userId, MAX_LISTED_SESSIONS);
  }

  /** Checks that the user owns the session; UNKNOWN_SESSION (the same as for a session that does not exist) if not. */
  async authorizeUser(userId: string, sessionId: string): Promise<SessionRecord> {
    const session = await this.store.get(sessionId);
    if (!session || session.userId !== userId) throw new RelayError('UNKNOWN_SESSION', 'No such session.', { reason: session ? 'another-users-session' : 'no-such-session' });
    return session;
  }

  async rename(sessionId: string, title: string): Promise<void> {
    if (!(await this.store.rename(sessionId, title))) throw new RelayError('UNKNOWN_SESSION', 'No such session.');
  }

  /** The session a bearer token owns, or UNAUTHORIZED. */
  authenticate(token: unknown): string {
    const sessionId = this.tokens.verify(token);
    if (!sessionId) throw new RelayError('UNAUTHORIZED', 'A valid session token is required.');
    return sessionId;
  }

  /** Checks that the caller's token owns `sessionId` and that it exists; reveals nothing about other sessions. */
  async authorize(ownedSessionId: string, sessionId: string): Promise<void> {
    if (ownedSessionId !== sessionId || !(await this.store.get(sessionId))) {
      throw new RelayError('UNKNOWN_SESSION', 'No such session for this token.');
    }
  }

  /**
   * `asker`: the signed-in user sending (their limits apply and their grants scope retrieval); none without sign-in.
   * `options.collectionIds`: the collections the client asked to search (of those the user may read).
   */
  async send(sessionId: string, clientMessageId: string, text: string, correlationId: string, asker?: Principal, options: SendOptions = {}): Promise<{ messageId: string }> {
    if (text.trim() === '') throw new RelayError('EMPTY_MESSAGE', 'The message is empty.');
    if (text.length > this.config.MAX_MESSAGE_CHARS) {
      throw new RelayError('MESSAGE_TOO_LONG', `The message is longer than ${this.config.MAX_MESSAGE_CHARS} characters.`, {
        maxChars: this.config.MAX_MESSAGE_CHARS,
      });
    }
    const key = `${sessionId}\u0000${clientMessageId}`;
    const pending = this.accepting.get(key);
    if (pending) return { messageId: await pending };

    // Registered before the first await, so a concurrent re-send joins this one instead of publishing again.
    const accepted = this.findOrAccept(sessionId, clientMessageId, text, correlationId, asker, options);
    this.accepting.set(key, accepted);
    try {
      return { messageId: await accepted };
    } finally {
      this.accepting.delete(key);
    }
  }

  async history(sessionId: string): Promise<HistoryMessage[]> {
    return (await this.store.messages(sessionId)).map(toHistoryMessage);
  }

  /** Deletes the session and its history; answers still being generated for it are cancelled. */
  async deleteSession(sessionId: string, correlationId: string): Promise<void> {
    for (const [messageId, message] of this.inFlight) {
      if (message.sessionId !== sessionId) continue;
      this.inFlight.delete(messageId);
      // Nothing of its answer will be delivered or kept from now on: this is how it ends.
      await this.interactions.ended(messageId, { outcome: 'session-deleted' });
      await this.usage?.settle(messageId, 0);
      await this.publisher.publish(TOPICS.control, createEnvelope({ sessionId, messageId, correlationId, payload: { type: 'cancel' } }));
    }
    if (!(await this.store.delete(sessionId))) throw new RelayError('UNKNOWN_SESSION', 'No such session for this token.');
  }

  /** The session of a message this gateway has in flight (a cancel names only the message). */
  sessionOfInFlight(messageId: string): string | undefined {
    return this.inFlight.get(messageId)?.sessionId;
  }

  /** True when the message was in flight and a cancel was published; false when it had already finished. */
  async cancel(sessionId: string, messageId: string, correlationId: string): Promise<boolean> {
    const message = this.inFlight.get(messageId);
    if (message && message.sessionId === sessionId) {
      await this.publisher.publish(TOPICS.control, createEnvelope({ sessionId, messageId, correlationId, payload: { type: 'cancel' } }));
      return true;
    }
    const finished = (await this.store.messages(sessionId)).some((m) => m.messageId === messageId);
    if (!finished) throw new RelayError('UNKNOWN_MESSAGE', 'No such message in this session.');
    return false;
  }

  /**
   * The chat's client is gone for good (ClientGoneCanceller): its unfinished answers are cancelled through the same
   * path as chat:cancel (a queued prompt leaves the worker's queue ungenerated, a running one stops) and audited
   * `abandoned`. They stay in flight until their cancelled end arrives, which keeps the history whole. Returns how many.
   */
  async abandon(sessionId: string): Promise<number> {
    let count = 0;
    for (const [messageId, message] of this.inFlight) {
      if (message.sessionId !== sessionId || message.abandoned) continue;
      message.abandoned = true;
      count++;
      await this.interactions.ended(messageId, { outcome: 'abandoned', reason: 'client-gone' });
      await this.publisher.publish(TOPICS.control, createEnvelope({ sessionId, messageId, payload: { type: 'cancel' } }));
    }
    return count;
  }

  /** An LLM worker said it has the message: from now on the workers' capacity reports count it, not this gateway. */
  reachedWorker(messageId: string): void {
    const message = this.inFlight.get(messageId);
    if (message) message.reachedWorkerAt ??= nowMs();
  }

  /** Messages accepted here that no worker had said it has by `time` (what the workers' reports from before then leave out). */
  notAtWorkerSince(time: number): number {
    let count = 0;
    for (const message of this.inFlight.values()) if (message.reachedWorkerAt === undefined || message.reachedWorkerAt > time) count++;
    return count;
  }

  /** With a shared store every replica records every answer (not only the one that accepted it). */
  get recordsEveryAnswer(): boolean {
    return this.sharedStore;
  }

  /** Messages accepted here whose answer has not finished (the answers-in-flight metric). */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  inFlightMessage(messageId: string): InFlightMessage | undefined {
    return this.inFlight.get(messageId);
  }

  /** The client has been sent the ack carrying this messageId; its chunks may flow. */
  acknowledged(messageId: string): void {
    this.inFlight.get(messageId)?.markAcknowledged();
  }

  /** The pre-processor accepted the message: keep the user's turn as the pipeline saw it (masked if it was). */
  async recordUserTurn(sessionId: string, messageId: string, text: string, createdAt: string): Promise<void> {
    // Every gateway replica sees every response. With a shared store every one of them records the turn (appends
    // are idempotent by message id), so the history is whole even if the gateway that accepted it dies; with files,
    // the one that accepted the message keeps its history.
    const message = this.inFlight.get(messageId);
    if (!this.sharedStore && (!message || message.userRecorded)) return;
    if (message) message.userRecorded = true;
    await this.store.appendMessage(sessionId, { messageId, role: 'user', text, createdAt });
  }

  /** The answer is complete (or cancelled, or failed): keep it and stop tracking the message (and free its place in the user's limits). */
  async finish(sessionId: string, messageId: string, answer?: Omit<StoredMessage, 'messageId' | 'role' | 'createdAt'>): Promise<void> {
    const wasInFlight = this.inFlight.delete(messageId);
    await this.usage?.settle(messageId, answer?.details?.usage.completionTokens ?? 0);
    if (!wasInFlight && !this.sharedStore) return;
    if (answer) await this.store.appendMessage(sessionId, { messageId, role: 'assistant', createdAt: new Date().toISOString(), ...answer });
  }

  private async findOrAccept(sessionId: string, clientMessageId: string, text: string, correlationId: string, asker: Principal | undefined, options: SendOptions): Promise<string> {
    // First, because the store rejects a lookup in a session that does not exist (deleted since authorize, perhaps
    // through another gateway replica) with a plain error, not UNKNOWN_SESSION.
    const session = await this.store.get(sessionId);
    if (!session) throw new RelayError('UNKNOWN_SESSION', 'No such session for this token.');
    const known = await this.store.findClientMessage(sessionId, clientMessageId);
    return known ?? this.accept(session, clientMessageId, text, correlationId, asker, options);
  }

  private async accept(session: SessionRecord, clientMessageId: string, text: string, correlationId: string, asker: Principal | undefined, options: SendOptions): Promise<string> {
    const { sessionId } = session;
    const turns = (await this.store.messages(sessionId)).filter((m) => m.text !== '');
    // Not slice(-n): slice(-0) would keep every turn when HISTORY_MAX_TURNS is 0.
    const history = turns
      .slice(Math.max(0, turns.length - this.config.HISTORY_MAX_TURNS))
      .map((m): HistoryTurn => ({ role: m.role, text: m.text }));
    // What the user may read now: a grant revoked or a document deleted before this line is not searched for it.
    const scope = await this.scopes.forMessage(asker ?? principalOf(session), options.collectionIds);
    // Past its deadline no stage works on it any more (the client hears EXPIRED): work for nobody is shed.
    const deadline = Math.round(nowMs()) + this.config.ANSWER_DEADLINE_MS;
    const envelope = createEnvelope({ sessionId, correlationId, deadline, payload: { userId: session.userId, clientMessageId, text, history, scope } });
    const messageId = envelope.messageId;
    // Within the user's limits (across replicas with a shared store), or RATE_LIMITED and nothing accepted.
    if (asker) await this.usage?.admit(asker.userId, messageId, this.limits());
    // No await between this check and inFlight.set below: a burst of sends is counted one by one as each is accepted.
    try {
      this.admission?.admit((time) => this.notAtWorkerSince(time));
    } catch (err) {
      await this.usage?.settle(messageId, 0);
      throw err;
    }
    let markAcknowledged!: () => void;
    const acknowledged = new Promise<void>((resolve) => {
      markAcknowledged = resolve;
      setTimeout(resolve, ACK_WAIT_MS).unref();
    });
    this.inFlight.set(messageId, { sessionId, clientMessageId, acceptedAt: nowMs(), nextSeq: 0, acknowledged, markAcknowledged, scope });
    try {
      // On disk before it is published: whatever happens to this gateway, the message will get its audit record.
      await this.interactions.accepted({ messageId, sessionId, correlationId, userId: session.userId, ...(this.config.AUDIT_MESSAGE_TEXT ? { text } : {}) });
      // A full queue throws BusyError here: the client hears BUSY and may re-send the same clientMessageId.
      await this.publisher.publish(TOPICS.queries, envelope);
    } catch (err) {
      this.inFlight.delete(messageId);
      this.interactions.withdrawn(messageId);
      await this.usage?.settle(messageId, 0);
      throw err;
    }
    await this.store.rememberClientMessage(sessionId, clientMessageId, messageId);
    return messageId;
  }

  private limits() {
    return { messagesPerMin: this.config.USER_MESSAGES_PER_MIN, answersInFlight: this.config.USER_ANSWERS_IN_FLIGHT, tokensPerDay: this.config.USER_TOKENS_PER_DAY };
  }
}

/** Who asks in a session without sign-in: its user id is a label with no roles or groups. */
function principalOf(session: SessionRecord): ScopePrincipal {
  return { userId: session.userId, roles: [], groups: [] };
}

function toHistoryMessage(m: StoredMessage): HistoryMessage {
  return {
    messageId: m.messageId,
    role: m.role,
    text: m.text,
    createdAt: m.createdAt,
    ...(m.finishReason ? { finishReason: m.finishReason } : {}),
    ...(m.citations ? { citations: m.citations } : {}),
    ...(m.grounding !== undefined ? { grounding: m.grounding } : {}),
    ...(m.attributions ? { attributions: m.attributions } : {}),
    ...(m.details ? { details: m.details } : {}),
    ...(m.error ? { error: m.error } : {}),
  };
}
