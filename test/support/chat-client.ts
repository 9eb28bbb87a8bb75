import type {
  Ack,
  ChatChunkEvent,
  ChatDoneEvent,
  ChatErrorEvent,
  ChatRestartEvent,
  ChatStatusEvent,
  ClientToServerEvents,
  HistoryMessage,
  ServerToClientEvents,
} from '@relay/contracts';
import { io, Socket } from 'socket.io-client';

export interface Session {
  sessionId: string;
  token: string;
}

export async function createSession(baseUrl: string): Promise<Session> {
  const res = await fetch(`${baseUrl}/api/sessions`, { method: 'POST' });
  if (res.status !== 201) throw new Error(`POST /api/sessions answered ${res.status}`);
  return (await res.json()) as Session;
}

/** Everything the server said about one message, in arrival order. */
export interface Answer {
  ack: Ack<{ messageId: string }>;
  events: Array<{ type: 'chunk'; event: ChatChunkEvent } | { type: 'done'; event: ChatDoneEvent } | { type: 'error'; event: ChatErrorEvent }>;
  chunks: ChatChunkEvent[];
  done?: ChatDoneEvent;
  error?: ChatErrorEvent;
  /** True when the ack reached the client before any event about its message. */
  ackBeforeEvents: boolean;
}

/** A socket.io-client on the chat namespace, recording every server event. */
export class ChatClient {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  readonly chunks: ChatChunkEvent[] = [];
  readonly dones: ChatDoneEvent[] = [];
  readonly errors: ChatErrorEvent[] = [];
  readonly restarts: ChatRestartEvent[] = [];
  /** chat:status events (place in line), in arrival order. */
  readonly statuses: ChatStatusEvent[] = [];
  /** When each event arrived (ms since the epoch), for checks on silence. */
  readonly timeline: Array<{ type: string; messageId: string | null; at: number; event: unknown }> = [];
  private readonly log: Array<{ type: string; messageId: string | null }> = [];

  private constructor(socket: Socket<ServerToClientEvents, ClientToServerEvents>) {
    this.socket = socket;
    socket.on('chat:chunk', (e) => (this.chunks.push(e), this.log.push({ type: 'chunk', messageId: e.messageId })));
    socket.on('chat:done', (e) => (this.dones.push(e), this.log.push({ type: 'done', messageId: e.messageId })));
    socket.on('chat:error', (e) => (this.errors.push(e), this.log.push({ type: 'error', messageId: e.messageId })));
    socket.on('chat:restart', (e) => this.restarts.push(e));
    socket.on('chat:status', (e) => this.statuses.push(e));
    socket.onAny((type: string, e: { messageId?: string | null }) => this.timeline.push({ type, messageId: e?.messageId ?? null, at: Date.now(), event: e }));
  }

  static connect(baseUrl: string, token: string | undefined): Promise<ChatClient> {
    const socket = io(`${baseUrl}/chat`, { auth: token === undefined ? {} : { token }, transports: ['websocket'], reconnection: false });
    return new Promise((ok, fail) => {
      socket.once('connect', () => ok(new ChatClient(socket)));
      socket.once('connect_error', (err) => {
        socket.close();
        fail(err);
      });
    });
  }

  close(): void {
    this.socket.close();
  }

  emitWithAck<T>(event: string, payload: unknown): Promise<T> {
    return (this.socket as unknown as Socket).timeout(10_000).emitWithAck(event, payload) as Promise<T>;
  }

  /** Sends a message and returns its acknowledgement without waiting for the answer. */
  async send(sessionId: string, text: string, clientMessageId = `c-${Math.random().toString(36).slice(2)}`): Promise<Ack<{ messageId: string }>> {
    return new Promise((resolve) =>
      (this.socket as unknown as Socket).emit('chat:send', { sessionId, clientMessageId, text }, (res: Ack<{ messageId: string }>) => {
        this.log.push({ type: 'ack', messageId: res.ok ? res.messageId : null });
        resolve(res);
      }),
    );
  }

  /**
   * What chat:status said about one message, in order (`searching`, `building`, `queued:2`, `generating`…), each
   * repeat of the same status in a row (a heartbeat) counted once.
   */
  statusesOf(messageId: string): string[] {
    const said = this.statuses.filter((s) => s.messageId === messageId).map((s) => (s.state === 'queued' ? `queued:${s.position}` : s.state));
    return said.filter((s, i) => s !== said[i - 1]);
  }

  /** The LLM worker's part of statusesOf: places in line and `generating` (the pipeline's `searching`/`building` left out). */
  queueStatusesOf(messageId: string): string[] {
    const said = this.statusesOf(messageId).filter((s) => s.startsWith('queued:') || s === 'generating');
    return said.filter((s, i) => s !== said[i - 1]);
  }

  /** Sends a message (with any further chat:send fields, e.g. collectionIds) and waits until its chat:done or chat:error. */
  async ask(sessionId: string, text: string, clientMessageId = `c-${Math.random().toString(36).slice(2)}`, timeoutMs = 60_000, fields: Record<string, unknown> = {}): Promise<Answer> {
    // The ack is logged in its callback, in the order packets arrive (a resolved promise would run later).
    const ack = await new Promise<Ack<{ messageId: string }>>((resolve) =>
      (this.socket as unknown as Socket).emit('chat:send', { sessionId, clientMessageId, text, ...fields }, (res: Ack<{ messageId: string }>) => {
        this.log.push({ type: 'ack', messageId: res.ok ? res.messageId : null });
        resolve(res);
      }),
    );
    if (!ack.ok) return { ack, events: [], chunks: [], ackBeforeEvents: true };
    await this.waitFor(() => this.finished(ack.messageId), timeoutMs);
    const first = this.log.findIndex((e) => e.messageId === ack.messageId);
    return { ...this.answerFor(ack.messageId), ack, ackBeforeEvents: this.log[first].type === 'ack' };
  }

  finished(messageId: string): boolean {
    return this.dones.some((d) => d.messageId === messageId) || this.errors.some((e) => e.messageId === messageId);
  }

  answerFor(messageId: string): Omit<Answer, 'ack' | 'ackBeforeEvents'> {
    const chunks = this.chunks.filter((c) => c.messageId === messageId);
    const done = this.dones.find((d) => d.messageId === messageId);
    const error = this.errors.find((e) => e.messageId === messageId);
    const events = this.log
      .filter((e) => e.messageId === messageId && e.type !== 'ack')
      .map((e) =>
        e.type === 'chunk'
          ? { type: 'chunk' as const, event: chunks.shift()! }
          : e.type === 'done'
            ? { type: 'done' as const, event: done! }
            : { type: 'error' as const, event: error! },
      );
    return { events, chunks: this.chunks.filter((c) => c.messageId === messageId), done, error };
  }

  async history(sessionId: string): Promise<Ack<{ messages: HistoryMessage[] }>> {
    return this.emitWithAck('chat:history', { sessionId });
  }

  async waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the server');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
