import type { ChatDoneEvent, ChatSourcesEvent, ChatStatusEvent, ClientToServerEvents, ErrorBody, ServerToClientEvents } from '@relay/contracts';
import { io, type Socket } from 'socket.io-client';
import { ApiError } from '../api/api-error';
import { sessionsApi } from '../api/sessions-api';
import { AnswerStream } from './answer-stream';
import type { ChatEntry } from './chat-list';
import { busyWords, errorWords } from './error-words';
import { type AnswerStatus, type Exchange, exchangesFromHistory } from './exchange';
import { newId } from './ids';
import { type PendingMessage, PendingStore } from './pending-store';
import { Store } from './store';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'gone';

export interface ChatSessionView {
  connection: ConnectionState;
  loading: boolean;
  loadError: string | null;
  exchanges: Exchange[];
  /** An answer is being asked for or generated: the composer offers Stop. */
  busy: boolean;
}

type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** How long a send waits for its acknowledgement before it is sent again (same clientMessageId: never twice). */
const ACK_TIMEOUT_MS = 10_000;
const BUSY_RETRY_MAX_MS = 8_000;
/** Longest the page waits before sending again after a refusal by estimate (the server's retryAfterMs, at most this). */
const BUSY_ESTIMATE_RETRY_MAX_MS = 60_000;
/** The chat:status states this page shows (waiting-note.ts); a newer server's other states are ignored. */
const KNOWN_STATUS_STATES = new Set<string>(['searching', 'building', 'queued', 'generating', 'restarted']);

/**
 * One open chat: its history, its Socket.IO connection and the answers streaming into it. Only the documented
 * protocol is used (docs/protocol.md): sends are retried with the same clientMessageId, chunks are kept once per
 * seq, a reconnect resumes each unfinished answer from the first seq not received, and unfinished messages are
 * kept in localStorage so a reload resumes them too.
 */
export class ChatSession {
  readonly view: Store<ChatSessionView>;
  private exchanges: Exchange[] = [];
  private readonly streams = new Map<string, AnswerStream>();
  private readonly finished = new Map<string, ChatDoneEvent>();
  /** The latest chat:status of each waiting answer (it can arrive before the send's acknowledgement is read). */
  private readonly statuses = new Map<string, ChatStatusEvent>();
  /** Waiting answers a worker restarted (chat:status `restarted`), so the page keeps saying so. */
  private readonly restarted = new Set<string>();
  /** The sources of answers still being written, by messageId (they can arrive before the send's ack is read). */
  private readonly sources = new Map<string, ChatSourcesEvent>();
  private readonly cancelRequested = new Set<string>();
  private readonly pending: PendingStore;
  private socket: ChatSocket | null = null;
  private connection: ConnectionState = 'connecting';
  private loading = true;
  private loadError: string | null = null;
  private closed = false;
  private renderQueued = false;

  constructor(
    readonly chat: ChatEntry,
    private readonly onQuestion: (text: string) => void,
    storage: Storage = localStorage,
  ) {
    this.pending = new PendingStore(storage, chat.sessionId);
    this.view = new Store<ChatSessionView>(this.snapshot());
  }

  /** Loads the history, then connects; unfinished answers resume once connected. */
  async open(): Promise<void> {
    try {
      this.exchanges = exchangesFromHistory(await sessionsApi.messages(this.chat.sessionId, this.chat.token));
    } catch (err) {
      this.loading = false;
      if (err instanceof ApiError && (err.status === 401 || err.status === 404)) {
        this.connection = 'gone';
        this.loadError = 'This chat no longer exists on the server (it was deleted, or the server was reset).';
      } else {
        this.loadError = err instanceof ApiError ? errorWords(err.code, err.message) : 'The history could not be loaded.';
      }
      this.render();
      if (this.connection === 'gone') return;
    }
    this.loading = false;
    const resumable = this.adoptPending();
    this.render();
    if (this.closed) return;
    this.connect(resumable);
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
  }

  /** Reloads the history (after an error) without dropping what is streaming. */
  async retryLoad(): Promise<void> {
    this.loading = true;
    this.loadError = null;
    this.render();
    this.socket?.close();
    this.socket = null;
    await this.open();
  }

  send(text: string): void {
    const trimmed = text.trim();
    if (!trimmed) return;
    const exchange: Exchange = {
      key: newId(),
      messageId: null,
      createdAt: new Date().toISOString(),
      question: { text: trimmed, clientMessageId: newId(), sendState: 'sending' },
      answer: { text: '', state: 'waiting', citations: [] },
    };
    this.exchanges.push(exchange);
    this.remember(exchange);
    this.onQuestion(trimmed);
    this.render();
    void this.deliver(exchange);
  }

  /** Asks the last question again; the new answer becomes the newest version of that turn. */
  regenerate(exchange: Exchange): void {
    if (exchange.question) this.send(exchange.question.text);
  }

  stop(exchange: Exchange): void {
    if (!exchange.messageId) {
      this.cancelRequested.add(exchange.key);
      return;
    }
    this.socket?.emit('chat:cancel', { messageId: exchange.messageId, sessionId: this.chat.sessionId }, (res) => {
      if (!res.ok) this.fail(exchange, res.error);
    });
  }

  private snapshot(): ChatSessionView {
    return {
      connection: this.connection,
      loading: this.loading,
      loadError: this.loadError,
      exchanges: [...this.exchanges],
      busy: this.exchanges.some((e) => e.answer.state === 'waiting' || e.answer.state === 'streaming'),
    };
  }

  /** Coalesces the many small changes of a streaming answer into one render per frame. */
  private render(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    const flush = () => {
      this.renderQueued = false;
      this.view.set(this.snapshot());
    };
    if (typeof requestAnimationFrame === 'function' && document.visibilityState === 'visible') requestAnimationFrame(flush);
    else setTimeout(flush, 16);
  }

  /** Merges the messages that were unfinished when the page was last open; returns those to resume. */
  private adoptPending(): Exchange[] {
    const resumable: Exchange[] = [];
    for (const p of this.pending.all()) {
      const known = p.messageId ? this.exchanges.find((e) => e.messageId === p.messageId) : undefined;
      if (known && (known.answer.state === 'done' || known.answer.state === 'failed')) {
        this.pending.remove(p.key);
        continue;
      }
      const exchange = known ?? this.exchangeOf(p);
      exchange.key = p.key;
      exchange.question = { text: exchange.question?.text ?? p.text, clientMessageId: p.clientMessageId, sendState: p.messageId ? 'sent' : 'sending' };
      exchange.answer = { text: '', state: 'waiting', citations: [] };
      resumable.push(exchange);
    }
    return resumable;
  }

  private exchangeOf(p: PendingMessage): Exchange {
    const exchange: Exchange = { key: p.key, messageId: p.messageId, createdAt: p.createdAt, answer: { text: '', state: 'waiting', citations: [] } };
    this.exchanges.push(exchange);
    return exchange;
  }

  private connect(resumable: Exchange[]): void {
    // Without sign-in the chat's token opens it; with sign-in the cookie says who we are and auth.sessionId which chat.
    const socket: ChatSocket = io('/chat', { auth: this.chat.token ? { token: this.chat.token } : { sessionId: this.chat.sessionId } });
    this.socket = socket;
    this.connection = 'connecting';
    let everConnected = false;

    socket.on('connect', () => {
      this.connection = 'connected';
      if (!everConnected) {
        // What the page had unfinished before a reload: resume the acknowledged, send the rest again.
        for (const exchange of resumable) {
          if (exchange.messageId) this.resume(exchange);
          else void this.deliver(exchange);
        }
      } else {
        // Back after a drop: each unfinished answer continues from the first seq not received. Unacknowledged
        // sends need nothing here: their deliver loop sends them again.
        for (const exchange of this.exchanges) {
          if (exchange.messageId && (exchange.answer.state === 'waiting' || exchange.answer.state === 'streaming')) this.resume(exchange);
        }
      }
      everConnected = true;
      this.render();
    });
    socket.on('disconnect', () => {
      if (this.closed) return;
      this.connection = 'reconnecting';
      this.render();
    });
    socket.on('connect_error', (err) => {
      // Refused in the handshake: the token no longer opens this session, and retrying will not change that.
      if (!socket.active) {
        this.connection = 'gone';
        this.loadError = `This chat can no longer be opened: ${err.message}`;
      } else {
        this.connection = 'reconnecting';
      }
      this.render();
    });
    socket.on('chat:sources', (e) => this.onSources(e));
    socket.on('chat:chunk', (e) => this.onChunk(e.messageId, e.seq, e.delta));
    socket.on('chat:restart', (e) => {
      this.streamOf(e.messageId).reset();
      this.restarted.add(e.messageId);
      const exchange = this.byMessageId(e.messageId);
      // The same prompt is generated again: its sources stay.
      if (exchange) exchange.answer = { text: '', state: 'waiting', citations: exchange.answer.citations };
      this.render();
    });
    socket.on('chat:done', (e) => this.onDone(e));
    socket.on('chat:status', (e) => this.onStatus(e));
    socket.on('chat:error', (e) => {
      const exchange = e.messageId ? this.byMessageId(e.messageId) : undefined;
      if (exchange) this.fail(exchange, { code: e.code, message: e.message });
    });
  }

  /** Sends until acknowledged: the same clientMessageId every time, so the server accepts it at most once. */
  private async deliver(exchange: Exchange): Promise<void> {
    const question = exchange.question!;
    let attempt = 0;
    while (!this.closed && this.socket) {
      if (!this.socket.connected) await this.connected();
      if (this.closed || !this.socket) return;
      let res: Awaited<ReturnType<typeof this.emitSend>>;
      try {
        res = await this.emitSend(exchange);
      } catch {
        continue; // no acknowledgement in time: the connection dropped; sent again once it is back
      }
      if (res.ok) {
        exchange.messageId = res.messageId;
        question.sendState = 'sent';
        question.busyNote = undefined;
        this.remember(exchange);
        this.catchUp(exchange);
        if (this.cancelRequested.delete(exchange.key)) this.stop(exchange);
        this.render();
        return;
      }
      const { code, retryAfterMs, estimatedWaitMs } = res.error;
      if (code === 'BUSY' && estimatedWaitMs !== undefined) {
        // Refused by estimate: the answer would come too late now; try again when the server says there will be room.
        const waitMs = Math.min(BUSY_ESTIMATE_RETRY_MAX_MS, Math.max(1000, retryAfterMs ?? 1000));
        question.sendState = 'busy';
        question.busyNote = busyWords(estimatedWaitMs, waitMs);
        this.render();
        await sleep(waitMs);
        continue;
      }
      if (code === 'BUSY' || code === 'RATE_LIMITED') {
        question.sendState = code === 'BUSY' ? 'busy' : 'rate-limited';
        question.busyNote = undefined;
        this.render();
        await sleep(code === 'BUSY' ? Math.min(BUSY_RETRY_MAX_MS, 500 * 2 ** attempt++) : (retryAfterMs ?? 1000));
        continue;
      }
      question.sendState = 'failed';
      question.sendError = errorWords(code, res.error.message);
      this.fail(exchange, res.error);
      return;
    }
  }

  private emitSend(exchange: Exchange) {
    const payload = { sessionId: this.chat.sessionId, clientMessageId: exchange.question!.clientMessageId!, text: exchange.question!.text };
    return this.socket!.timeout(ACK_TIMEOUT_MS).emitWithAck('chat:send', payload);
  }

  private connected(): Promise<void> {
    return new Promise((resolve) => {
      const socket = this.socket;
      if (!socket || socket.connected || this.closed) return resolve();
      socket.once('connect', () => resolve());
    });
  }

  private resume(exchange: Exchange): void {
    const messageId = exchange.messageId!;
    const fromSeq = this.streamOf(messageId).nextSeq;
    this.socket!.emit('chat:resume', { sessionId: this.chat.sessionId, messageId, fromSeq }, (res) => {
      // The answer could not be read back (older than the server's log): the history has it if it finished.
      if (!res.ok && res.error.code === 'RESUME_UNAVAILABLE') return void this.recoverFromHistory(exchange);
      if (!res.ok) return this.fail(exchange, res.error);
      if (res.state === 'unknown') void this.recoverFromHistory(exchange);
    });
  }

  /** The gateway has no record of the answer (it restarted): history has it if it finished. */
  private async recoverFromHistory(exchange: Exchange): Promise<void> {
    try {
      const fromHistory = exchangesFromHistory(await sessionsApi.messages(this.chat.sessionId, this.chat.token)).find((e) => e.messageId === exchange.messageId);
      if (fromHistory && fromHistory.answer.state !== 'interrupted') exchange.answer = fromHistory.answer;
      else exchange.answer = { ...exchange.answer, state: 'interrupted', error: { code: 'INTERNAL', message: 'This answer was interrupted: the server restarted while writing it. Regenerate it to ask again.' } };
    } catch (err) {
      exchange.answer = { ...exchange.answer, state: 'interrupted', error: { code: 'NETWORK', message: err instanceof Error ? err.message : String(err) } };
    }
    this.pending.remove(exchange.key);
    this.render();
  }

  private onSources(event: ChatSourcesEvent): void {
    if (this.finished.has(event.messageId)) return;
    this.sources.set(event.messageId, event);
    const exchange = this.byMessageId(event.messageId);
    if (exchange) this.catchUp(exchange);
    this.render();
  }

  private onChunk(messageId: string, seq: number, delta: string): void {
    if (!this.streamOf(messageId).add(seq, delta)) return;
    const exchange = this.byMessageId(messageId);
    if (exchange) this.catchUp(exchange);
    this.render();
  }

  private onStatus(event: ChatStatusEvent): void {
    // Only the states this page knows how to show; a newer server may send others.
    if (!KNOWN_STATUS_STATES.has(event.state)) return;
    // A restart is remembered for the rest of the wait: the statuses of the worker that took over follow it at once.
    if (event.state === 'restarted') this.restarted.add(event.messageId);
    this.statuses.set(event.messageId, event);
    const exchange = this.byMessageId(event.messageId);
    if (exchange) this.catchUp(exchange);
    this.render();
  }

  private onDone(event: ChatDoneEvent): void {
    this.finished.set(event.messageId, event);
    const exchange = this.byMessageId(event.messageId);
    if (exchange) {
      this.catchUp(exchange);
    } else {
      // Asked from another tab of this chat (or acknowledged here a moment from now): history will have it.
      setTimeout(() => !this.byMessageId(event.messageId) && !this.closed && void this.refreshFromHistory(), 1000);
    }
    this.render();
  }

  /** Copies what arrived for the exchange's messageId (possibly before its ack was read) into the exchange. */
  private catchUp(exchange: Exchange): void {
    const messageId = exchange.messageId!;
    const done = this.finished.get(messageId);
    if (done) {
      // The pipeline saw the question masked: show it as the model read it.
      if (done.moderation.action === 'masked') void this.refreshQuestion(exchange);
      exchange.answer = {
        text: done.text,
        state: 'done',
        finishReason: done.finishReason,
        citations: done.citations,
        grounding: done.grounding,
        attributions: done.attributions,
        details: { moderation: done.moderation, usage: done.usage, model: done.model, timings: done.timings },
      };
      this.settle(exchange);
      return;
    }
    const sources = this.sources.get(messageId);
    // Shown while the model reads them; none is cited until the answer is done.
    if (sources && exchange.answer.citations.length === 0) exchange.answer = { ...exchange.answer, citations: sources.sources.map((s) => ({ ...s, cited: false })) };
    const stream = this.streamOf(messageId);
    if (stream.nextSeq > 0) {
      exchange.answer = { ...exchange.answer, text: stream.text, state: 'streaming', status: undefined };
      this.statuses.delete(messageId);
      return;
    }
    const status = this.statuses.get(messageId);
    if (status && exchange.answer.state === 'waiting') {
      const state: AnswerStatus = status.state === 'queued' ? { state: 'queued', position: status.position } : { state: status.state };
      exchange.answer = { ...exchange.answer, status: this.restarted.has(messageId) ? { ...state, restarted: true } : state };
    }
  }

  private fail(exchange: Exchange, error: Pick<ErrorBody, 'code' | 'message'>): void {
    exchange.answer = { ...exchange.answer, state: 'failed', error: { code: error.code, message: errorWords(error.code, error.message) } };
    this.settle(exchange);
    this.render();
  }

  private settle(exchange: Exchange): void {
    this.pending.remove(exchange.key);
    if (exchange.messageId) {
      this.streams.delete(exchange.messageId);
      this.finished.delete(exchange.messageId);
      this.statuses.delete(exchange.messageId);
      this.restarted.delete(exchange.messageId);
      this.sources.delete(exchange.messageId);
    }
  }

  private async refreshQuestion(exchange: Exchange): Promise<void> {
    try {
      const stored = (await sessionsApi.messages(this.chat.sessionId, this.chat.token)).find((m) => m.messageId === exchange.messageId && m.role === 'user');
      if (stored && exchange.question) exchange.question = { ...exchange.question, text: stored.text };
      this.render();
    } catch {
      // The unmasked text stays on screen; history shows the masked one after a reload.
    }
  }

  private async refreshFromHistory(): Promise<void> {
    try {
      const history = exchangesFromHistory(await sessionsApi.messages(this.chat.sessionId, this.chat.token));
      const unfinished = this.exchanges.filter((e) => !e.messageId || !history.some((h) => h.messageId === e.messageId));
      this.exchanges = [...history.map((h) => this.exchanges.find((e) => e.messageId === h.messageId && e.answer.state !== 'done') ?? h), ...unfinished];
      this.render();
    } catch {
      // Shown as it is; the next answer or a reload catches up.
    }
  }

  private remember(exchange: Exchange): void {
    this.pending.put({
      key: exchange.key,
      clientMessageId: exchange.question!.clientMessageId!,
      messageId: exchange.messageId,
      text: exchange.question!.text,
      createdAt: exchange.createdAt,
    });
  }

  private streamOf(messageId: string): AnswerStream {
    let stream = this.streams.get(messageId);
    if (!stream) this.streams.set(messageId, (stream = new AnswerStream()));
    return stream;
  }

  private byMessageId(messageId: string): Exchange | undefined {
    return this.exchanges.find((e) => e.messageId === messageId);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
