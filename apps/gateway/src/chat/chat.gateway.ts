import { Logger } from '@nestjs/common';
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
import { CorrelationContext } from '@relay/observability';
import { randomUUID } from 'node:crypto';
import type { Namespace, Socket } from 'socket.io';
import { SessionManager } from '../session/session-manager';
import { PLAIN_SECURITY_HEADERS } from '@relay/runtime';
import type { IncomingMessage } from 'node:http';
import { AllowedHosts } from '../http/allowed-hosts';
import { HOST_NOT_ALLOWED_MESSAGE } from '../http/host-check.middleware';
import { RateLimits } from '../rate-limit/rate-limits';
import { DeliveryTracker } from './delivery-tracker';
import { parsePayload, toErrorAck } from './socket-errors';

interface SocketData {
  /** The session the handshake token owns. */
  sessionId: string;
  /** The client address its requests are counted under. */
  client: string;
}

type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type ChatNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type AckFn<T extends object = object> = ((res: Ack<T>) => void) | undefined;

export const sessionRoom = (sessionId: string) => `session:${sessionId}`;

/**
 * The chat protocol over Socket.IO (docs/protocol.md). The handshake must carry a session token; each socket
 * joins its session's room, so an answer reaches every tab of that session. Every event is answered: an ack when
 * the client asked for one, otherwise chat:error for failures.
 */
// No CORS: only Relay's own page (same origin) and non-browser clients connect; see allowRequest below.
@WebSocketGateway({ namespace: CHAT_NAMESPACE, maxHttpBufferSize: 1_000_000 })
export class ChatGateway implements OnGatewayInit<ChatNamespace>, OnGatewayConnection<ChatSocket> {
  private readonly logger = new Logger('ChatGateway');
  @WebSocketServer() private namespace!: ChatNamespace;

  constructor(
    private readonly sessions: SessionManager,
    private readonly tracker: DeliveryTracker,
    private readonly limits: RateLimits,
    private readonly hosts: AllowedHosts,
  ) {}

  afterInit(namespace: ChatNamespace): void {
    // Every HTTP request of Engine.IO (handshake, long-polling, WebSocket upgrade) bypasses Express: the Host check
    // (DNS rebinding reaches /socket.io too), a check that a browser's page is one of ours, and the headers go here.
    const engine = namespace.server.engine;
    engine.opts.allowRequest = (req: IncomingMessage, answer: (message: string | null | undefined, allowed: boolean) => void) => {
      if (!this.hosts.allowsHost(req.headers.host)) return answer(`HOST_NOT_ALLOWED: ${HOST_NOT_ALLOWED_MESSAGE}`, false);
      const origin = req.headers.origin;
      if (origin !== undefined && !this.hosts.allowsOrigin(origin)) return answer('CROSS_SITE_REQUEST: connections from pages of other sites are refused.', false);
      answer(null, true);
    };
    engine.on('headers', (headers: Record<string, string>) => Object.assign(headers, PLAIN_SECURITY_HEADERS));

    // Refuse a missing or bad token in the handshake: the client sees connect_error, never a half-open socket.
    namespace.use((socket, next) => {
      try {
        socket.data.client = this.limits.clientOf(socket.handshake.address, socket.handshake.headers['x-forwarded-for']);
        this.limits.request(socket.data.client);
        socket.data.sessionId = this.sessions.authenticate(socket.handshake.auth?.token);
        next();
      } catch (err) {
        const code = err instanceof RelayError ? err.code : 'UNAUTHORIZED';
        next(Object.assign(new Error((err as Error).message), { data: { code } }));
      }
    });
  }

  handleConnection(socket: ChatSocket): void {
    void socket.join(sessionRoom(socket.data.sessionId));
  }

  /** Sends an event to every socket of a session on this gateway. */
  emitToSession<E extends keyof ServerToClientEvents>(sessionId: string, event: E, ...payload: Parameters<ServerToClientEvents[E]>): void {
    this.namespace.to(sessionRoom(sessionId)).emit(event, ...payload);
  }

  @SubscribeMessage(CLIENT_EVENTS.send)
  async send(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: unknown, @AckParam() ack: AckFn<{ messageId: string }>): Promise<void> {
    const response = await this.answer(socket, ack, async (correlationId) => {
      // Per session, not per socket: a session's sockets share one allowance.
      this.limits.chatSend(socket.data.sessionId);
      const payload = parsePayload(chatSendSchema, body);
      await this.sessions.authorize(socket.data.sessionId, payload.sessionId);
      return this.sessions.send(payload.sessionId, payload.clientMessageId, payload.text, correlationId, { collectionIds: payload.collectionIds });
    });
    // The ack has gone out: the message's chunks, held back until now, may flow.
    if (response.ok) this.sessions.acknowledged(response.messageId);
  }

  @SubscribeMessage(CLIENT_EVENTS.cancel)
  async cancel(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: unknown, @AckParam() ack: AckFn): Promise<void> {
    await this.answer(socket, ack, async (correlationId) => {
      const { messageId } = parsePayload(chatCancelSchema, body);
      await this.sessions.cancel(socket.data.sessionId, messageId, correlationId);
      return {};
    });
  }

  @SubscribeMessage(CLIENT_EVENTS.history)
  async history(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: unknown, @AckParam() ack: AckFn<{ messages: HistoryMessage[] }>): Promise<void> {
    await this.answer(socket, ack, async () => {
      const { sessionId } = parsePayload(chatHistoryRequestSchema, body);
      await this.sessions.authorize(socket.data.sessionId, sessionId);
      return { messages: await this.sessions.history(sessionId) };
    });
  }

  /**
   * A client that lost its connection mid-answer (or moved to another replica) asks for what it missed: the chunks
   * from `fromSeq` on, and chat:done if the answer is complete, sent before the ack. `unknown` means this gateway
   * has no record of the answer in flight: read the history instead.
   */
  @SubscribeMessage(CLIENT_EVENTS.resume)
  async resume(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() body: unknown,
    @AckParam() ack: AckFn<{ replayed: number; state: 'streaming' | 'done' | 'unknown' }>,
  ): Promise<void> {
    await this.answer(socket, ack, async () => {
      const { sessionId, messageId, fromSeq } = parsePayload(chatResumeSchema, body);
      await this.sessions.authorize(socket.data.sessionId, sessionId);
      const replay = this.tracker.replay(messageId, fromSeq);
      // Never replay another session's answer, whatever message id is asked for.
      if (!replay || replay.sessionId !== sessionId) return { replayed: 0, state: 'unknown' as const };
      if (replay.sources) socket.emit(SERVER_EVENTS.sources, replay.sources);
      if (replay.status) socket.emit(SERVER_EVENTS.status, replay.status);
      for (const chunk of replay.chunks) socket.emit(SERVER_EVENTS.chunk, chunk);
      if (replay.done) socket.emit(SERVER_EVENTS.done, replay.done);
      return { replayed: replay.chunks.length, state: replay.done ? ('done' as const) : ('streaming' as const) };
    });
  }

  /** Runs one client request under a fresh correlation id and always answers it. */
  private answer<T extends object>(socket: ChatSocket, ack: AckFn<T>, work: (correlationId: string) => Promise<T>): Promise<Ack<T>> {
    const correlationId = randomUUID();
    return CorrelationContext.run({ correlationId, sessionId: socket.data.sessionId }, async (): Promise<Ack<T>> => {
      let response: Ack<T>;
      try {
        // Every event counts against its client address's limit, before anything else is looked at.
        this.limits.request(socket.data.client);
        response = { ok: true, ...(await work(correlationId)) };
      } catch (err) {
        const refusal = toErrorAck(err);
        this.logger.warn({ msg: 'request refused', code: refusal.error.code });
        if (typeof ack !== 'function') socket.emit(SERVER_EVENTS.error, { sessionId: socket.data.sessionId, messageId: null, ...refusal.error });
        response = refusal;
      }
      if (typeof ack === 'function') ack(response);
      return response;
    });
  }
}
