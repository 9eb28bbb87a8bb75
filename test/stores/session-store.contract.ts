import type { SessionRecord, SessionStore, StoredMessage } from '@relay/session-store';
import { randomUUID } from 'node:crypto';

/** How the contract reaches one SessionStore adapter. */
export interface SessionStoreSubject {
  /** A place for a store (a folder, a database); stores opened on one place see one set of sessions. */
  newPlace(): Promise<string>;
  /** Opens a store over a place; opening the same place again is a restart (or, if `shared`, another replica). */
  open(place: string): Promise<SessionStore>;
  close(store: SessionStore): Promise<void>;
  /** What a store holds outlives it. */
  persists: boolean;
  /** Two stores open on one place at once see each other's writes at once (gateway replicas share it). */
  shared: boolean;
  /** What becomes of a NUL character in a text: kept, or replaced by U+FFFD (PostgreSQL's text cannot hold it). */
  nul: 'kept' | 'replaced';
}

const newSession = (extra: Partial<SessionRecord> = {}): SessionRecord => ({
  sessionId: randomUUID(),
  userId: `user-${randomUUID().slice(0, 8)}`,
  createdAt: '2025-05-01T10:00:00.123Z',
  ...extra,
});

const turn = (messageId: string, role: StoredMessage['role'], text = `${role} text of ${messageId}`): StoredMessage => ({
  messageId,
  role,
  text,
  createdAt: new Date(Date.UTC(2025, 4, 1, 10, 0, 1, 456)).toISOString(),
});

const answer: StoredMessage = {
  messageId: 'm-answer',
  role: 'assistant',
  text: 'Relay streams answers [1].',
  createdAt: '2025-05-01T10:00:02.789Z',
  finishReason: 'stop',
  citations: [{ n: 1, documentId: 'doc-1', title: 'Streaming › seq', source: 'docs/streaming.md', snippet: 'Chunks carry a seq…', score: 0.83, highlights: [{ start: 0, end: 6 }], cited: true, citedBy: 'marker' }],
  details: {
    moderation: { action: 'masked' },
    usage: { promptTokens: 812, completionTokens: 41 },
    model: 'SmolLM2-135M-Instruct.Q4_1.gguf',
    timings: { stages: [{ stage: 'llm-worker', queuedMs: 1.5, handledMs: 2400.25 }], firstTokenMs: 950, totalMs: 2500 },
  },
};

const failed: StoredMessage = {
  messageId: 'm-failed',
  role: 'assistant',
  text: '',
  createdAt: '2025-05-01T10:00:03.000Z',
  error: { code: 'GENERATION_FAILED', message: 'The model could not answer.' },
};

/** The behaviour every SESSION_STORE adapter promises (libs/session-store/src/session-store.port.ts). */
export function sessionStoreContract(s: SessionStoreSubject): void {
  const opened: SessionStore[] = [];
  const open = async (place?: string) => {
    const store = await s.open(place ?? (await s.newPlace()));
    opened.push(store);
    return store;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => s.close(store)));
  });

  it('is ready once open', async () => {
    expect((await open()).isReady()).toBe(true);
  });

  it('creates a session and reads it back as it was given', async () => {
    const store = await open();
    const session = newSession();
    await store.create(session);
    expect(await store.get(session.sessionId)).toEqual(session);
    expect(await store.messages(session.sessionId)).toEqual([]);
  });

  it("lists a user's sessions, most recently used first, with the names they were given; not other users'", async () => {
    const store = await open();
    const older = newSession({ userId: 'lister', createdAt: '2025-05-01T09:00:00.000Z' });
    const newer = newSession({ userId: 'lister', createdAt: '2025-05-01T09:30:00.000Z' });
    const someoneElse = newSession({ userId: 'another-user' });
    for (const session of [older, newer, someoneElse]) await store.create(session);
    // A turn in the older one makes it the most recently used.
    await store.appendMessage(older.sessionId, turn('m-1', 'user'));
    expect(await store.rename(newer.sessionId, 'Quarterly numbers')).toBe(true);
    expect(await store.rename('no-such-session', 'x')).toBe(false);
    const listed = await store.listOf('lister', 10);
    expect(listed.map((l) => l.sessionId)).toEqual([older.sessionId, newer.sessionId]);
    expect(listed[0]).toEqual({ sessionId: older.sessionId, createdAt: older.createdAt, updatedAt: turn('m-1', 'user').createdAt });
    expect(listed[1]).toMatchObject({ sessionId: newer.sessionId, title: 'Quarterly numbers' });
    expect(await store.get(newer.sessionId)).toMatchObject({ title: 'Quarterly numbers' });
    expect(await store.listOf('lister', 1)).toHaveLength(1);
    await store.delete(older.sessionId);
    expect((await store.listOf('lister', 10)).map((l) => l.sessionId)).toEqual([newer.sessionId]);
  });

  it('knows nothing of a session never created, whatever its id looks like', async () => {
    const store = await open();
    for (const id of [randomUUID(), '../etc/passwd', 'a/b', 'x'.repeat(100), 'Ünïcode id']) {
      expect(await store.get(id)).toBeUndefined();
      await expect(store.messages(id)).rejects.toMatchObject({ code: 'UNKNOWN_SESSION' });
      await expect(store.findClientMessage(id, 'c1')).rejects.toMatchObject({ code: 'UNKNOWN_SESSION' });
      await expect(store.rememberClientMessage(id, 'c1', 'm1')).rejects.toMatchObject({ code: 'UNKNOWN_SESSION' });
      expect(await store.delete(id)).toBe(false);
    }
  });

  it('keeps turns in the order they were appended, with citations, details, errors and finish reasons', async () => {
    const store = await open();
    const session = newSession();
    await store.create(session);
    const history = [turn('m-answer', 'user'), answer, turn('m-failed', 'user'), failed, turn('m-3', 'user'), turn('m-3', 'assistant', '')];
    for (const m of history) await store.appendMessage(session.sessionId, m);
    expect(await store.messages(session.sessionId)).toEqual(history);
  });

  it('keeps a long history in order', async () => {
    const store = await open();
    const session = newSession();
    await store.create(session);
    const history = Array.from({ length: 120 }, (_, i) => turn(`m${i >> 1}`, i % 2 ? 'assistant' : 'user'));
    for (const m of history) await store.appendMessage(session.sessionId, m);
    expect((await store.messages(session.sessionId)).map((m) => `${m.role}:${m.messageId}`)).toEqual(history.map((m) => `${m.role}:${m.messageId}`));
  });

  it('stores a turn appended twice once, as first recorded, and keeps a message and its answer apart', async () => {
    const store = await open();
    const session = newSession();
    await store.create(session);
    await store.appendMessage(session.sessionId, turn('m1', 'user'));
    await store.appendMessage(session.sessionId, answer);
    await store.appendMessage(session.sessionId, { ...answer, text: 'a second recording of the same answer' });
    await store.appendMessage(session.sessionId, turn('m1', 'user'));
    expect(await store.messages(session.sessionId)).toEqual([turn('m1', 'user'), answer]);

    await store.appendMessage(session.sessionId, turn('m1', 'assistant'));
    expect((await store.messages(session.sessionId)).map((m) => `${m.role}:${m.messageId}`)).toEqual(['user:m1', 'assistant:m-answer', 'assistant:m1']);
  });

  it('stores a turn appended many times at once exactly once', async () => {
    const store = await open();
    const session = newSession();
    await store.create(session);
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.appendMessage(session.sessionId, { ...answer, text: `recording ${i}` })));
    const history = await store.messages(session.sessionId);
    expect(history).toHaveLength(1);
    expect(history[0].text).toMatch(/^recording \d$/);
  });

  it('keeps every turn of concurrent appends', async () => {
    const store = await open();
    const session = newSession();
    await store.create(session);
    await Promise.all(Array.from({ length: 25 }, (_, i) => store.appendMessage(session.sessionId, turn(`m${i}`, 'user'))));
    const ids = (await store.messages(session.sessionId)).map((m) => m.messageId);
    expect([...ids].sort()).toEqual(Array.from({ length: 25 }, (_, i) => `m${i}`).sort());
  });

  it('remembers the first message id given to a client message id, per session', async () => {
    const store = await open();
    const [a, b] = [newSession(), newSession()];
    await store.create(a);
    await store.create(b);
    expect(await store.findClientMessage(a.sessionId, 'c1')).toBeUndefined();
    expect(await store.rememberClientMessage(a.sessionId, 'c1', 'm1')).toBe('m1');
    expect(await store.rememberClientMessage(a.sessionId, 'c1', 'm2')).toBe('m1');
    expect(await store.findClientMessage(a.sessionId, 'c1')).toBe('m1');
    expect(await store.findClientMessage(b.sessionId, 'c1')).toBeUndefined();
    expect(await store.rememberClientMessage(b.sessionId, 'c1', 'm3')).toBe('m3');
  });

  it('deletes a session with its history and client message ids, and ignores later appends to it', async () => {
    const store = await open();
    const [gone, kept] = [newSession(), newSession()];
    await store.create(gone);
    await store.create(kept);
    for (const id of [gone.sessionId, kept.sessionId]) {
      await store.appendMessage(id, turn('m1', 'user'));
      await store.rememberClientMessage(id, 'c1', 'm1');
    }
    expect(await store.delete(gone.sessionId)).toBe(true);
    expect(await store.delete(gone.sessionId)).toBe(false);
    expect(await store.get(gone.sessionId)).toBeUndefined();
    await expect(store.messages(gone.sessionId)).rejects.toMatchObject({ code: 'UNKNOWN_SESSION' });

    await store.appendMessage(gone.sessionId, answer); // an answer that finished after the delete
    expect(await store.get(gone.sessionId)).toBeUndefined();
    await expect(store.rememberClientMessage(gone.sessionId, 'c2', 'm2')).rejects.toMatchObject({ code: 'UNKNOWN_SESSION' });

    expect(await store.get(kept.sessionId)).toEqual(kept);
    expect(await store.messages(kept.sessionId)).toEqual([turn('m1', 'user')]);
    expect(await store.findClientMessage(kept.sessionId, 'c1')).toBe('m1');
  });

  it('ignores an append to a session that never existed', async () => {
    const store = await open();
    const id = randomUUID();
    await store.appendMessage(id, turn('m1', 'user'));
    expect(await store.get(id)).toBeUndefined();
  });

  it('stores a text holding a NUL character', async () => {
    const store = await open();
    const session = newSession();
    await store.create(session);
    await store.appendMessage(session.sessionId, turn('m1', 'user', 'before\u0000after'));
    await store.rememberClientMessage(session.sessionId, 'c\u00001', 'm1');
    const expected = s.nul === 'kept' ? 'before\u0000after' : 'before\uFFFDafter';
    expect((await store.messages(session.sessionId))[0].text).toBe(expected);
    expect(await store.findClientMessage(session.sessionId, 'c\u00001')).toBe('m1');
  });

  it(s.persists ? 'gives a reopened store every session, turn and client message id' : 'comes back empty when reopened', async () => {
    const place = await s.newPlace();
    const first = await s.open(place);
    const session = newSession();
    await first.create(session);
    await first.appendMessage(session.sessionId, turn('m-answer', 'user'));
    await first.appendMessage(session.sessionId, answer);
    await first.appendMessage(session.sessionId, answer);
    await first.rememberClientMessage(session.sessionId, 'c1', 'm-answer');
    await s.close(first);

    const second = await open(place);
    // Stated rather than skipped: a store that keeps nothing across a restart must come back empty.
    if (!s.persists) return expect(await second.get(session.sessionId)).toBeUndefined();
    expect(await second.get(session.sessionId)).toEqual(session);
    expect(await second.messages(session.sessionId)).toEqual([turn('m-answer', 'user'), answer]);
    expect(await second.findClientMessage(session.sessionId, 'c1')).toBe('m-answer');
  });

  // Only for stores replicas share; the file store belongs to one process (its cache would go stale).
  if (!s.shared) return;
  describe('two replicas on one place', () => {
    it('sees on one what the other wrote, at once', async () => {
      const place = await s.newPlace();
      const [a, b] = [await open(place), await open(place)];
      const session = newSession();
      await a.create(session);
      expect(await b.get(session.sessionId)).toEqual(session);
      await a.appendMessage(session.sessionId, turn('m1', 'user'));
      await a.rememberClientMessage(session.sessionId, 'c1', 'm1');
      expect(await b.messages(session.sessionId)).toEqual([turn('m1', 'user')]);
      expect(await b.findClientMessage(session.sessionId, 'c1')).toBe('m1');
      await b.appendMessage(session.sessionId, answer);
      expect(await a.messages(session.sessionId)).toEqual([turn('m1', 'user'), answer]);
      expect(await b.delete(session.sessionId)).toBe(true);
      expect(await a.get(session.sessionId)).toBeUndefined();
    });

    it('stores an answer both record at the same time once, and keeps one message id per client message id', async () => {
      const place = await s.newPlace();
      const [a, b] = [await open(place), await open(place)];
      const session = newSession();
      await a.create(session);
      await Promise.all([a, b, a, b].map((store, i) => store.appendMessage(session.sessionId, { ...answer, text: `from replica ${i % 2 ? 'b' : 'a'}` })));
      expect(await a.messages(session.sessionId)).toHaveLength(1);
      const kept = await Promise.all([a.rememberClientMessage(session.sessionId, 'c1', 'from-a'), b.rememberClientMessage(session.sessionId, 'c1', 'from-b')]);
      expect(kept[0]).toBe(kept[1]);
      expect(await b.findClientMessage(session.sessionId, 'c1')).toBe(kept[0]);
    });
  });
}
