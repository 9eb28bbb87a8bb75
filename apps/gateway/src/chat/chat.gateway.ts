import { Logger, Optional } from '@nestjs/common';
import {
  Ack as AckParam,
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import {
  Ack,
  CHAT_NAMESPACE,
  chatCancelSchema,
  chatHistoryRequestSchema,
  chatResumeSchema,
  chatSendSchema,
  ClientToServerEvents,
  CLIENT_EVENTS,
  HistoryMessage,
  RelayError,
  SERVER_EVENTS,
  ServerToClientEvents,
} from '@relay/contracts';
import { CorrelationContext, RelayMetrics, SPAN_ATTRIBUTES, withSpan } from '@relay/observability';
import { SpanKind } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import type { Namespace, Socket } from 'socket.io';
import { SessionManager } from '../session/session-manager';
import { PLAIN_SECURITY_HEADERS } from '@relay/runtime';
import type { IncomingMessage } from 'node:http';
import { AllowedHosts } from '../http/allowed-hosts';
import { AllowedOrigins } from '../http/allowed-origins';
import { HOST_NOT_ALLOWED_MESSAGE } from '../http/host-check.middleware';
import { RateLimits } from '../rate-limit/rate-limits';
import { AccessAudit } from '../audit/access-audit';
import { Authenticator, type AuthenticatedPrincipal } from '../auth/authenticator';
import { type Credentials, credentialsFrom } from '../auth/credentials';
import { AnswerRecovery } from './answer-recovery';
import { DeliveryTracker } from './delivery-tracker';
import { ClientGoneCanceller } from '../session/client-gone-canceller';
import { AUDITED_REFUSALS, parsePayload, toErrorAck } from './socket-errors';

interface SocketData {
  /** Without sign-in: the session the handshake token owns. */
  sessionId: string;
  /** With sign-in: who connected, and the credentials checked again at every event (a sign-out holds at once). */
  principal?: AuthenticatedPrincipal;
  credentials?: Credentials;
  /** The client address its requests are counted under. */
  client: string;
}

type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type ChatNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type AckFn<T extends object = object> = ((res: Ack<T>) => void) | undefined;

const SESSION_ROOM_PREFIX = 'session:';
export const sessionRoom = (sessionId: string) => `${SESSION_ROOM_PREFIX}${sessionId}`;

/**
 * The chat protocol over Socket.IO (docs/protocol.md). Without sign-in the handshake must carry a session token and
 * the socket joins that session's room; with sign-in it must carry the user's sign-in cookie or a bearer token, and
 * the socket joins the room of each of the user's chats it names (in the handshake's `auth.sessionId`, or in any
 * event), so an answer reaches every tab of that chat. Every event is answered: an ack when the client asked for
 * one, otherwise chat:error for failures.
 */
// No CORS: only Relay's own page (same origin) and non-browser clients connect; see allowRequest below.
@WebSocketGateway({ namespace: CHAT_NAMESPACE, maxHttpBufferSize: 1_000_000 })
export class ChatGateway implements OnGatewayInit<ChatNamespace>, OnGatewayConnection<ChatSocket> {
  private readonly logger = new Logger('ChatGateway');
  @WebSocketServer() private namespace!: ChatNamespace;

  constructor(
    private readonly sessions: SessionManager,
    private readonly tracker: DeliveryTracker,
    private readonly recovery: AnswerRecovery,
    private readonly limits: RateLimits,
    private readonly hosts: AllowedHosts,
    private readonly origins: AllowedOrigins,
    private readonly authenticator: Authenticator,
    private readonly audit: AccessAudit,
    @Optional() private readonly metrics?: RelayMetrics,
    @Optional() private readonly clientGone?: ClientGoneCanceller,
  ) {}

  afterInit(namespace: ChatNamespace): void {
    // Every HTTP request of Engine.IO (handshake, long-polling, WebSocket upgrade) bypasses Express: the Host check
    // (DNS rebinding reaches /socket.io too), a check that a browser's page is one of ours, and the headers go here.
    this.metrics?.observeGateway(() => ({ sockets: namespace.sockets.size, answersInFlight: this.sessions.inFlightCount }));
    const engine = namespace.server.engine;
    engine.opts.allowRequest = (req: IncomingMessage, answer: (message: string | null | undefined, allowed: boolean) => void) => {
      if (!this.hosts.allowsHost(req.headers.host)) return answer(`HOST_NOT_ALLOWED: ${HOST_NOT_ALLOWED_MESSAGE}`, false);
      const origin = req.headers.origin;
      if (!this.origins.allows(origin, req.headers.host)) {
        this.audit.record({ event: 'socket-handshake', outcome: 'refused', code: 'CROSS_SITE_REQUEST', reason: 'origin-not-allowed', target: String(origin).slice(0, 200) });
        return answer('CROSS_SITE_REQUEST: connections from pages of other sites are refused.', false);
      }
      answer(null, true);
    };
    engine.on('headers', (headers: Record<string, string>) => Object.assign(headers, PLAIN_SECURITY_HEADERS));

    // Refuse a missing or bad token in the handshake: the client sees connect_error, never a half-open socket.
    namespace.use((socket, next) => {
      void (async () => {
        socket.data.client = this.limits.clientOf(socket.handshake.address, socket.handshake.headers['x-forwarded-for']);
        this.limits.request(socket.data.client);
        if (!this.authenticator.signInRequired) {
          socket.data.sessionId = this.sessions.authenticate(socket.handshake.auth?.token);
          return;
        }
        const credentials = credentialsFrom(socket.handshake.headers, socket.handshake.auth?.token);
        const principal = await this.authenticator.authenticate(credentials);
        if (!principal) throw new RelayError('UNAUTHORIZED', 'Sign in first (the sign-in cookie, or auth: { token }).', { reason: 'no-credentials' });
        socket.data.principal = principal;
        socket.data.credentials = credentials;
        const sessionId: unknown = socket.handshake.auth?.sessionId;
        if (sessionId !== undefined) {
          if (typeof sessionId !== 'string' || sessionId.length > 100) throw new RelayError('INVALID_PAYLOAD', 'auth.sessionId must be a chat id.');
          await this.sessions.authorizeUser(principal.userId, sessionId);
          socket.data.sessionId = sessionId;
        }
      })().then(
        () => next(),
        (err: unknown) => {
          const code = err instanceof RelayError ? err.code : 'UNAUTHORIZED';
          const reason = err instanceof RelayError ? String(err.details.reason ?? err.message) : String(err);
          this.audit.record({ event: 'socket-handshake', outcome: 'refused', code, reason, userId: socket.data.principal?.userId, client: socket.data.client });
          this.metrics?.refusals.inc({ surface: 'socket', code });
          next(Object.assign(new Error(err instanceof RelayError ? err.message : 'Not allowed.'), { data: { code } }));
        },
      );
    });
  }

  handleConnection(socket: ChatSocket): void {
    if (socket.data.sessionId) this.joinSession(socket, socket.data.sessionId);
    // Still in its rooms here (not on 'disconnect'): the last socket of a chat to leave starts its grace period.
    socket.on('disconnecting', () => {
      for (const room of socket.rooms) {
        if (!room.startsWith(SESSION_ROOM_PREFIX)) continue;
        if ((this.namespace.adapter.rooms.get(room)?.size ?? 0) <= 1) this.clientGone?.gone(room.slice(SESSION_ROOM_PREFIX.length));
      }
    });
  }

  /** The socket receives the chat's answers, and the chat's answers are waited for again. */
  private joinSession(socket: ChatSocket, sessionId: string): void {
    void socket.join(sessionRoom(sessionId));
    this.clientGone?.back(sessionId);
  }

  /** Sends an event to every socket of a session on this gateway. */
  emitToSession<E extends keyof ServerToClientEvents>(sessionId: string, event: E, ...payload: Parameters<ServerToClientEvents[E]>): void {
    this.namespace.to(sessionRoom(sessionId)).emit(event, ...payload);
  }

  @SubscribeMessage(CLIENT_EVENTS.send)
  async send(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: unknown, @AckParam() ack: AckFn<{ messageId: string }>): Promise<void> {
    const response = await this.answer(socket, ack, async (correlationId, principal) => {
      // The root of the message's trace: every stage's span, in every process, descends from this one.
      const attributes = { [SPAN_ATTRIBUTES.correlationId]: correlationId, [SPAN_ATTRIBUTES.stage]: 'gateway' };
      return withSpan(CLIENT_EVENTS.send, { attributes, kind: SpanKind.SERVER }, async (span) => {
        const payload = parsePayload(chatSendSchema, body);
        span?.setAttribute(SPAN_ATTRIBUTES.sessionId, payload.sessionId);
        await this.authorize(socket, principal, payload.sessionId);
        // Per session, not per socket: a session's sockets share one allowance.
        this.limits.chatSend(payload.sessionId);
        const accepted = await this.sessions.send(payload.sessionId, payload.clientMessageId, payload.text, correlationId, principal, { collectionIds: payload.collectionIds });
        span?.setAttribute(SPAN_ATTRIBUTES.messageId, accepted.messageId);
        return accepted;
      });
    }, CLIENT_EVENTS.send);
    // The ack has gone out: the message's chunks, held back until now, may flow.
    if (response.ok) this.sessions.acknowledged(response.messageId);
  }

  @SubscribeMessage(CLIENT_EVENTS.cancel)
  async cancel(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: unknown, @AckParam() ack: AckFn): Promise<void> {
    await this.answer(socket, ack, async (correlationId, principal) => {
      const { messageId, sessionId } = parsePayload(chatCancelSchema, body);
      if (!principal) {
        await this.sessions.cancel(socket.data.sessionId, messageId, correlationId);
        return {};
      }
      // The chat it names, or the one this gateway has the message in flight for; the user's own either way.
      const owner = sessionId ?? this.sessions.sessionOfInFlight(messageId);
      if (!owner) throw new RelayError('UNKNOWN_MESSAGE', 'No such message in this session.');
      await this.authorize(socket, principal, owner);
      await this.sessions.cancel(owner, messageId, correlationId);
      return {};
    }, CLIENT_EVENTS.cancel);
  }

  @SubscribeMessage(CLIENT_EVENTS.history)
  async history(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: unknown, @AckParam() ack: AckFn<{ messages: HistoryMessage[] }>): Promise<void> {
    await this.answer(socket, ack, async (_correlationId, principal) => {
      const { sessionId } = parsePayload(chatHistoryRequestSchema, body);
      await this.authorize(socket, principal, sessionId);
      return { messages: await this.sessions.history(sessionId) };
    }, CLIENT_EVENTS.history);
  }

  /**
   * A client that lost its connection mid-answer (or moved to another replica) asks for what it missed: the chunks
   * from `fromSeq` on, and chat:done (or chat:error) if the answer has ended, sent before the ack. An answer that
   * began before this gateway started is read back from the log first (AnswerRecovery). `unknown` means no answer of
   * this session by that id can be found: read the history instead.
   */
  @SubscribeMessage(CLIENT_EVENTS.resume)
  async resume(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() body: unknown,
    @AckParam() ack: AckFn<{ replayed: number; state: 'streaming' | 'done' | 'unknown' }>,
  ): Promise<void> {
    await this.answer(socket, ack, async (_correlationId, principal) => {
      const { sessionId, messageId, fromSeq } = parsePayload(chatResumeSchema, body);
      await this.authorize(socket, principal, sessionId);
      const unknown = { replayed: 0, state: 'unknown' as const };
      // The socket is in the session's room now: what is delivered live from here on (while the answer is read back
      // from the log) reaches it without a replay, and is not sent twice.
      const asked = this.tracker.now();
      let replay = this.tracker.replay(messageId, fromSeq, asked);
      // Never replay another session's answer, whatever message id is asked for.
      if (replay && replay.sessionId !== sessionId) return unknown;
      // Seen here only since this gateway started (or not at all), and not ended: the start is in the log.
      if (!replay?.whole && !replay?.done && !replay?.error) {
        const recovery = await this.recovery.recover(sessionId, messageId);
        if (recovery.kind === 'unknown') return unknown;
        if (recovery.kind === 'stored') {
          if (recovery.done) socket.emit(SERVER_EVENTS.done, recovery.done);
          if (recovery.error) socket.emit(SERVER_EVENTS.error, recovery.error);
          return { replayed: 0, state: 'done' as const };
        }
        replay = this.tracker.replay(messageId, fromSeq, asked);
        if (!replay) return unknown;
      }
      if (!replay.whole) {
        // Ended, but seen only in part here: the ending carries the whole text, the chunks before it have gaps.
        if (replay.done) socket.emit(SERVER_EVENTS.done, replay.done);
        if (replay.error) socket.emit(SERVER_EVENTS.error, replay.error);
        return { replayed: 0, state: 'done' as const };
      }
      if (replay.sources) socket.emit(SERVER_EVENTS.sources, replay.sources);
      if (replay.status) socket.emit(SERVER_EVENTS.status, replay.status);
      for (const chunk of replay.chunks) socket.emit(SERVER_EVENTS.chunk, chunk);
      if (replay.done) socket.emit(SERVER_EVENTS.done, replay.done);
      if (replay.error) socket.emit(SERVER_EVENTS.error, replay.error);
      return { replayed: replay.chunks.length, state: replay.done || replay.error ? ('done' as const) : ('streaming' as const) };
    }, CLIENT_EVENTS.resume);
  }

  /**
   * The caller may use this chat: without sign-in, its token owns it; with sign-in, its user owns it (another
   * user's chat is UNKNOWN_SESSION, exactly like one that does not exist). The socket then receives its answers.
   */
  private async authorize(socket: ChatSocket, principal: AuthenticatedPrincipal | undefined, sessionId: string): Promise<void> {
    if (!principal) return this.sessions.authorize(socket.data.sessionId, sessionId);
    await this.sessions.authorizeUser(principal.userId, sessionId);
    if (!socket.rooms.has(sessionRoom(sessionId))) this.joinSession(socket, sessionId);
  }

  /** With sign-in: the socket's sign-in, checked again now (signed out, expired or disabled since the handshake: refused). */
  private async currentPrincipal(socket: ChatSocket): Promise<AuthenticatedPrincipal | undefined> {
    const { principal, credentials } = socket.data;
    if (!principal || !credentials) return undefined;
    if (principal.expiresAt !== undefined && principal.expiresAt <= Date.now()) {
      throw new RelayError('UNAUTHORIZED', 'Your sign-in has expired; sign in again.', { reason: 'expired-during-connection' });
    }
    // A JWT was verified at the handshake and is good until it expires; a sign-in session is looked up again.
    if (!principal.signInSessionHash) return principal;
    const now = await this.authenticator.authenticate(credentials);
    if (!now) throw new RelayError('UNAUTHORIZED', 'Sign in first.');
    socket.data.principal = now;
    return now;
  }

  /** Runs one client request under a fresh correlation id and always answers it. */
  private answer<T extends object>(
    socket: ChatSocket,
    ack: AckFn<T>,
    work: (correlationId: string, principal: AuthenticatedPrincipal | undefined) => Promise<T>,
    event: string,
  ): Promise<Ack<T>> {
    const correlationId = randomUUID();
    return CorrelationContext.run({ correlationId, sessionId: socket.data.sessionId ?? '' }, async (): Promise<Ack<T>> => {
      let response: Ack<T>;
      let signedOut = false;
      try {
        // Every event counts against its client address's limit, before anything else is looked at.
        this.limits.request(socket.data.client);
        let principal: AuthenticatedPrincipal | undefined;
        try {
          principal = await this.currentPrincipal(socket);
        } catch (err) {
          signedOut = true;
          throw err;
        }
        response = { ok: true, ...(await work(correlationId, principal)) };
      } catch (err) {
        const refusal = toErrorAck(err);
        this.logger.warn({ msg: 'request refused', code: refusal.error.code });
        this.metrics?.refusals.inc({ surface: 'socket', code: refusal.error.code });
        if (AUDITED_REFUSALS.has(refusal.error.code)) {
          const reason = err instanceof RelayError ? String(err.details.reason ?? err.message) : undefined;
          this.audit.record({ event: 'socket', outcome: 'refused', code: refusal.error.code, reason, userId: socket.data.principal?.userId, client: socket.data.client, target: event });
        }
        if (typeof ack !== 'function') socket.emit(SERVER_EVENTS.error, { sessionId: socket.data.sessionId ?? '', messageId: null, ...refusal.error });
        response = refusal;
      }
      if (typeof ack === 'function') ack(response);
      // Signed out (or expired) since the handshake: this socket is done.
      if (signedOut) socket.disconnect(true);
      return response;
    });
  }
}
