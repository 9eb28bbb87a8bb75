import type { HistoryMessage } from '@relay/contracts';
import { sessionsApi } from '../api/sessions-api';
import { ChatSession } from './chat-session';

/** Socket.IO client stand-in: records what the page emits, lets the test play the server and the network. */
class FakeSocket {
  connected = false;
  active = true;
  readonly emitted: { event: string; payload: Record<string, unknown> }[] = [];
  /** How the "server" acknowledges each event; default: not at all (a lost ack). */
  ackWith: (event: string, payload: Record<string, unknown>) => unknown = () => undefined;
  private readonly handlers = new Map<string, ((...args: unknown[]) => void)[]>();

  on(event: string, handler: (...args: unknown[]) => void): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
    return this;
  }

  once(event: string, handler: (...args: unknown[]) => void): this {
    const wrapper = (...args: unknown[]) => {
      this.handlers.set(event, (this.handlers.get(event) ?? []).filter((h) => h !== wrapper));
      handler(...args);
    };
    return this.on(event, wrapper);
  }

  emit(event: string, payload: Record<string, unknown>, ack?: (res: unknown) => void): void {
    this.emitted.push({ event, payload });
    const res = this.ackWith(event, payload);
    if (res !== undefined && ack) queueMicrotask(() => ack(res));
  }

  timeout(ms: number) {
    return {
      emitWithAck: (event: string, payload: Record<string, unknown>) =>
        new Promise((resolve, reject) => {
          this.emitted.push({ event, payload });
          const res = this.ackWith(event, payload);
          if (res !== undefined) queueMicrotask(() => resolve(res));
          else setTimeout(() => reject(new Error('operation has timed out')), Math.min(ms, 50));
        }),
    };
  }

  close(): void {
    this.connected = false;
  }

  /** The server side and the network. */
  serverEmit(event: string, payload: unknown): void {
    for (const h of this.handlers.get(event) ?? []) h(payload);
  }

  connectNow(): void {
    this.connected = true;
    this.serverEmit('connect', undefined);
  }

  drop(): void {
    this.connected = false;
    this.serverEmit('disconnect', 'transport close');
  }

  sent(event: string) {
    return this.emitted.filter((e) => e.event === event).map((e) => e.payload);
  }
}

let socket: FakeSocket;
jest.mock('socket.io-client', () => ({ io: jest.fn(() => (socket = new FakeSocket())) }));
jest.mock('../api/sessions-api', () => ({ sessionsApi: { messages: jest.fn(), create: jest.fn(), delete: jest.fn() } }));
const messages = sessionsApi.messages as jest.MockedFunction<typeof sessionsApi.messages>;

class MemoryStorage {
  private readonly items = new Map<string, string>();
  getItem = (key: string) => this.items.get(key) ?? null;
  setItem = (key: string, value: string) => void this.items.set(key, value);
  removeItem = (key: string) => void this.items.delete(key);
}

const chat = { sessionId: 's1', token: 't1', title: 'New chat', renamed: false, createdAt: '', updatedAt: '' };
const tick = (ms = 25) => new Promise((resolve) => setTimeout(resolve, ms));
const done = (messageId: string, text: string) => ({
  sessionId: 's1',
  messageId,
  text,
  finishReason: 'stop',
  citations: [],
  moderation: { action: 'none' },
  usage: { promptTokens: 1, completionTokens: 1 },
  model: 'm',
  timings: { stages: [], firstTokenMs: 1, totalMs: 2 },
});

async function openSession(storage = new MemoryStorage(), history: HistoryMessage[] = []) {
  messages.mockResolvedValue(history);
  const session = new ChatSession(chat, () => undefined, storage as unknown as Storage);
  await session.open();
  socket.connectNow();
  await tick();
  return { session, storage };
}

const view = (session: ChatSession) => session.view.get();
const lastAnswer = (session: ChatSession) => view(session).exchanges.at(-1)!.answer;

describe('ChatSession', () => {
  afterEach(() => jest.clearAllMocks());

  it('shows chunks that arrive before the acknowledgement is read, each seq once, then the final text', async () => {
    const { session } = await openSession();
    socket.ackWith = (event) => {
      if (event !== 'chat:send') return undefined;
      // The server's ack races its first chunks (several packets in one read): they arrive first here.
      socket.serverEmit('chat:chunk', { sessionId: 's1', messageId: 'm1', seq: 0, delta: 'Hel' });
      return { ok: true, messageId: 'm1' };
    };
    session.send('hello');
    await tick();
    socket.serverEmit('chat:chunk', { sessionId: 's1', messageId: 'm1', seq: 1, delta: 'lo' });
    socket.serverEmit('chat:chunk', { sessionId: 's1', messageId: 'm1', seq: 1, delta: 'lo' });
    await tick();
    expect(lastAnswer(session)).toMatchObject({ text: 'Hello', state: 'streaming' });
    expect(view(session).busy).toBe(true);

    socket.serverEmit('chat:done', done('m1', 'Hello!'));
    await tick();
    expect(lastAnswer(session)).toMatchObject({ text: 'Hello!', state: 'done', details: { model: 'm' } });
    expect(view(session).busy).toBe(false);
  });

  it('shows the sources as soon as they arrive (even before the ack is read), then the ones the done event marks', async () => {
    const { session } = await openSession();
    const source = (n: number) => ({ n, documentId: `d${n}`, title: `T${n}`, source: `s${n}`, snippet: 'text', score: 0.5, highlights: [{ start: 0, end: 4 }] });
    socket.ackWith = (event) => {
      if (event !== 'chat:send') return undefined;
      socket.serverEmit('chat:sources', { sessionId: 's1', messageId: 'm1', sources: [source(1), source(2)] });
      return { ok: true, messageId: 'm1' };
    };
    session.send('hello');
    await tick();
    expect(lastAnswer(session)).toMatchObject({ state: 'waiting', text: '' });
    expect(lastAnswer(session).citations.map((c) => [c.n, c.cited])).toEqual([
      [1, false],
      [2, false],
    ]);

    // A restart regenerates the same prompt: the sources stay.
    socket.serverEmit('chat:chunk', { sessionId: 's1', messageId: 'm1', seq: 0, delta: 'x' });
    socket.serverEmit('chat:restart', { sessionId: 's1', messageId: 'm1' });
    await tick();
    expect(lastAnswer(session).citations).toHaveLength(2);

    const cited = { ...source(2), cited: true, citedBy: 'attribution' };
    socket.serverEmit('chat:done', { ...done('m1', 'Hi.'), citations: [{ ...source(1), cited: false }, cited], grounding: 'grounded', attributions: [{ start: 0, end: 3, n: 2 }] });
    await tick();
    expect(lastAnswer(session)).toMatchObject({ state: 'done', grounding: 'grounded', attributions: [{ start: 0, end: 3, n: 2 }] });
    expect(lastAnswer(session).citations.map((c) => [c.n, c.cited, c.citedBy])).toEqual([
      [1, false, undefined],
      [2, true, 'attribution'],
    ]);
  });

  it('resumes each unfinished answer from the first seq it lacks after a reconnect', async () => {
    const { session } = await openSession();
    socket.ackWith = (event) => (event === 'chat:send' ? { ok: true, messageId: 'm1' } : event === 'chat:resume' ? { ok: true, replayed: 1, state: 'streaming' } : undefined);
    session.send('hello');
    await tick();
    socket.serverEmit('chat:chunk', { sessionId: 's1', messageId: 'm1', seq: 0, delta: 'a' });
    socket.serverEmit('chat:chunk', { sessionId: 's1', messageId: 'm1', seq: 1, delta: 'b' });
    socket.drop();
    await tick();
    expect(view(session).connection).toBe('reconnecting');

    socket.connectNow();
    await tick();
    expect(socket.sent('chat:resume')).toEqual([{ sessionId: 's1', messageId: 'm1', fromSeq: 2 }]);
    // The replay overlaps what was shown: kept once.
    socket.serverEmit('chat:chunk', { sessionId: 's1', messageId: 'm1', seq: 1, delta: 'b' });
    socket.serverEmit('chat:chunk', { sessionId: 's1', messageId: 'm1', seq: 2, delta: 'c' });
    await tick();
    expect(lastAnswer(session).text).toBe('abc');
    expect(view(session).connection).toBe('connected');
  });

  it('shows the answer from the history when the gateway cannot read it back any more (RESUME_UNAVAILABLE)', async () => {
    const { session } = await openSession();
    socket.ackWith = (event) =>
      event === 'chat:send' ? { ok: true, messageId: 'm1' } : event === 'chat:resume' ? { ok: false, error: { code: 'RESUME_UNAVAILABLE', message: 'gone' } } : undefined;
    session.send('hello');
    await tick();
    socket.serverEmit('chat:chunk', { sessionId: 's1', messageId: 'm1', seq: 0, delta: 'a' });
    socket.drop();
    await tick();
    messages.mockResolvedValue([
      { messageId: 'm1', role: 'user', text: 'hello', createdAt: '' },
      { messageId: 'm1', role: 'assistant', text: 'all of it', createdAt: '', finishReason: 'stop' },
    ]);
    socket.connectNow();
    await tick();
    expect(socket.sent('chat:resume')).toHaveLength(1);
    expect(lastAnswer(session)).toMatchObject({ state: 'done', text: 'all of it' });
    expect(lastAnswer(session).error).toBeUndefined();
  });

  it('sends again with the same clientMessageId when busy or when the acknowledgement is lost', async () => {
    const { session } = await openSession();
    const replies: unknown[] = [undefined, { ok: false, error: { code: 'BUSY', message: 'busy' } }, { ok: true, messageId: 'm1' }];
    socket.ackWith = (event) => (event === 'chat:send' ? replies.shift() : undefined);
    session.send('hello');
    await tick(100);
    expect(view(session).exchanges[0].question?.sendState).toBe('busy');
    await tick(700);

    const sends = socket.sent('chat:send');
    expect(sends).toHaveLength(3);
    expect(new Set(sends.map((s) => s.clientMessageId)).size).toBe(1);
    expect(view(session).exchanges[0]).toMatchObject({ messageId: 'm1', question: { sendState: 'sent' } });
  });

  it('says a refusal by estimate in words and sends again after the retryAfterMs the server gave', async () => {
    const { session } = await openSession();
    const replies: unknown[] = [{ ok: false, error: { code: 'BUSY', message: 'busy', retryAfterMs: 1500, estimatedWaitMs: 150_000 } }, { ok: true, messageId: 'm1' }];
    socket.ackWith = (event) => (event === 'chat:send' ? replies.shift() : undefined);
    session.send('hello');
    await tick(100);
    expect(view(session).exchanges[0].question).toMatchObject({ sendState: 'busy', busyNote: 'Relay is busy: an answer now would take about 3 min. Trying again in 2 s…' });
    await tick(1000);
    expect(socket.sent('chat:send')).toHaveLength(1);
    await tick(700);
    expect(socket.sent('chat:send')).toHaveLength(2);
    expect(view(session).exchanges[0]).toMatchObject({ messageId: 'm1', question: { sendState: 'sent' } });
    expect(view(session).exchanges[0].question?.busyNote).toBeUndefined();
  });

  it('drops what it showed when the answer restarts, and reports a refused message in plain words', async () => {
    const { session } = await openSession();
    socket.ackWith = (event, payload) => (event === 'chat:send' ? { ok: true, messageId: `m-${payload.text}` } : undefined);
    session.send('one');
    await tick();
    socket.serverEmit('chat:chunk', { sessionId: 's1', messageId: 'm-one', seq: 0, delta: 'first attempt' });
    socket.serverEmit('chat:restart', { sessionId: 's1', messageId: 'm-one' });
    socket.serverEmit('chat:chunk', { sessionId: 's1', messageId: 'm-one', seq: 0, delta: 'second' });
    await tick();
    expect(lastAnswer(session).text).toBe('second');

    session.send('two');
    await tick();
    socket.serverEmit('chat:error', { sessionId: 's1', messageId: 'm-two', code: 'PROFANITY', message: 'rejected' });
    await tick();
    expect(lastAnswer(session)).toMatchObject({ state: 'failed', error: { code: 'PROFANITY' } });
    expect(lastAnswer(session).error?.message).toMatch(/profanity filter/);
  });

  it('after a reload, resumes an answer that was streaming and re-sends a message never acknowledged', async () => {
    const storage = new MemoryStorage();
    const first = await openSession(storage);
    socket.ackWith = (event, payload) => (event === 'chat:send' && payload.text === 'acked' ? { ok: true, messageId: 'm1' } : undefined);
    first.session.send('acked');
    first.session.send('lost');
    await tick();
    first.session.close();
    const lostId = socket.sent('chat:send').find((s) => s.text === 'lost')!.clientMessageId;

    // The page reloads: history has the first question, not yet its answer.
    const history: HistoryMessage[] = [{ messageId: 'm1', role: 'user', text: 'acked', createdAt: '' }];
    messages.mockResolvedValue(history);
    const session = new ChatSession(chat, () => undefined, storage as unknown as Storage);
    await session.open();
    socket.ackWith = (event) => (event === 'chat:send' ? { ok: true, messageId: 'm2' } : event === 'chat:resume' ? { ok: true, replayed: 0, state: 'streaming' } : undefined);
    socket.connectNow();
    await tick();

    expect(socket.sent('chat:resume')).toEqual([{ sessionId: 's1', messageId: 'm1', fromSeq: 0 }]);
    expect(socket.sent('chat:send')).toEqual([{ sessionId: 's1', clientMessageId: lostId, text: 'lost' }]);
    expect(view(session).exchanges.map((e) => [e.question?.text, e.answer.state])).toEqual([
      ['acked', 'waiting'],
      ['lost', 'waiting'],
    ]);
  });

  it('shows the place in line from chat:status, even one that came before the acknowledgement, until the answer streams', async () => {
    const { session } = await openSession();
    socket.ackWith = (event) => {
      if (event !== 'chat:send') return undefined;
      socket.serverEmit('chat:status', { sessionId: 's1', messageId: 'm1', state: 'queued', position: 3 });
      return { ok: true, messageId: 'm1' };
    };
    session.send('hello');
    await tick();
    expect(lastAnswer(session)).toMatchObject({ state: 'waiting', status: { state: 'queued', position: 3 } });

    socket.serverEmit('chat:status', { sessionId: 's1', messageId: 'm1', state: 'queued', position: 1 });
    await tick();
    expect(lastAnswer(session).status).toEqual({ state: 'queued', position: 1 });
    socket.serverEmit('chat:status', { sessionId: 's1', messageId: 'm1', state: 'generating' });
    socket.serverEmit('chat:status', { sessionId: 's1', messageId: 'm1', state: 'some-future-state' });
    await tick();
    expect(lastAnswer(session).status).toEqual({ state: 'generating' });

    socket.serverEmit('chat:chunk', { sessionId: 's1', messageId: 'm1', seq: 0, delta: 'Hi' });
    await tick();
    expect(lastAnswer(session)).toMatchObject({ state: 'streaming', text: 'Hi' });
    expect(lastAnswer(session).status).toBeUndefined();
  });

  it('shows the stage before the queue, and once a worker restarted keeps saying so until the answer streams', async () => {
    const { session } = await openSession();
    socket.ackWith = (event) => (event === 'chat:send' ? { ok: true, messageId: 'm1' } : undefined);
    session.send('hello');
    await tick();
    socket.serverEmit('chat:status', { sessionId: 's1', messageId: 'm1', state: 'searching' });
    await tick();
    expect(lastAnswer(session).status).toEqual({ state: 'searching' });
    socket.serverEmit('chat:status', { sessionId: 's1', messageId: 'm1', state: 'building' });
    await tick();
    expect(lastAnswer(session).status).toEqual({ state: 'building' });
    socket.serverEmit('chat:status', { sessionId: 's1', messageId: 'm1', state: 'generating' });
    socket.serverEmit('chat:status', { sessionId: 's1', messageId: 'm1', state: 'restarted' });
    await tick();
    expect(lastAnswer(session).status).toEqual({ state: 'restarted', restarted: true });
    socket.serverEmit('chat:status', { sessionId: 's1', messageId: 'm1', state: 'queued', position: 2 });
    await tick();
    expect(lastAnswer(session).status).toEqual({ state: 'queued', position: 2, restarted: true });
    socket.serverEmit('chat:chunk', { sessionId: 's1', messageId: 'm1', seq: 0, delta: 'Hi' });
    await tick();
    expect(lastAnswer(session).status).toBeUndefined();
  });
});
