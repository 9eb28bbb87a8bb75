import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredMessage } from '../session-store.port';
import { FileSessionStore } from './file-session-store';

const session = (sessionId: string) => ({ sessionId, userId: `user-of-${sessionId}`, createdAt: '2024-05-01T10:00:00.000Z' });
const message = (i: number, role: StoredMessage['role'] = 'user'): StoredMessage => ({
  messageId: `m${i}`,
  role,
  text: `text ${i}`,
  createdAt: '2024-05-01T10:00:00.000Z',
});

describe('FileSessionStore', () => {
  let dir: string;

  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'relay-sessions-')), 'sessions');
  });

  afterEach(() => {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  it('creates its directory and reports ready', () => {
    const store = new FileSessionStore(dir);
    expect(existsSync(dir)).toBe(true);
    expect(store.isReady()).toBe(true);
  });

  it('reloads sessions, messages and client message ids after a restart', async () => {
    const before = new FileSessionStore(dir);
    await before.create(session('s1'));
    await before.appendMessage('s1', message(1, 'user'));
    await before.appendMessage('s1', {
      ...message(1, 'assistant'),
      finishReason: 'stop',
      citations: [{ n: 1, documentId: 'd', title: 't', source: 's', snippet: 'x', score: 0.5, highlights: [], cited: true, citedBy: 'marker' }],
    });
    await before.rememberClientMessage('s1', 'client-1', 'm1');

    const after = new FileSessionStore(dir);

    expect(await after.get('s1')).toEqual(session('s1'));
    expect(await after.messages('s1')).toEqual(await before.messages('s1'));
    expect((await after.messages('s1'))[1]).toMatchObject({ role: 'assistant', finishReason: 'stop' });
    expect(await after.findClientMessage('s1', 'client-1')).toBe('m1');
    expect(await after.findClientMessage('s1', 'client-2')).toBeUndefined();
  });

  it('keeps sessions apart, one file each', async () => {
    const store = new FileSessionStore(dir);
    await store.create(session('a'));
    await store.create(session('b'));
    await store.appendMessage('a', message(1));

    expect(readdirSync(dir).sort()).toEqual(['a.jsonl', 'b.jsonl']);
    const reloaded = new FileSessionStore(dir);
    expect(await reloaded.messages('a')).toHaveLength(1);
    expect(await reloaded.messages('b')).toEqual([]);
  });

  it('keeps the order of concurrent appends on disk', async () => {
    const store = new FileSessionStore(dir);
    await store.create(session('s1'));
    await Promise.all(Array.from({ length: 25 }, (_, i) => store.appendMessage('s1', message(i))));

    const reloaded = new FileSessionStore(dir);
    expect((await reloaded.messages('s1')).map((m) => m.messageId)).toEqual(Array.from({ length: 25 }, (_, i) => `m${i}`));
  });

  it('skips a torn last line left by a crash', async () => {
    const store = new FileSessionStore(dir);
    await store.create(session('s1'));
    await store.appendMessage('s1', message(1));
    appendFileSync(join(dir, 's1.jsonl'), '{"type":"message","messageId":"m2","ro');

    const reloaded = new FileSessionStore(dir);
    expect((await reloaded.messages('s1')).map((m) => m.messageId)).toEqual(['m1']);
  });

  it('knows nothing of an unknown session', async () => {
    const store = new FileSessionStore(dir);
    expect(await store.get('nobody')).toBeUndefined();
    await expect(store.messages('nobody')).rejects.toMatchObject({ code: 'UNKNOWN_SESSION' });
    // An answer finishing after its session was deleted lands here: ignored, and no file springs up.
    await expect(store.appendMessage('nobody', message(1))).resolves.toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('treats an id that is not a plain id as unknown instead of reading a path', async () => {
    const store = new FileSessionStore(dir);
    await store.create(session('s1'));
    expect(await store.get('../sessions/s1')).toBeUndefined();
    expect(await store.get('s1.jsonl')).toBeUndefined();
    expect(await store.get('')).toBeUndefined();
  });

  it('returns a copy of the messages, so callers cannot change the history', async () => {
    const store = new FileSessionStore(dir);
    await store.create(session('s1'));
    await store.appendMessage('s1', message(1));
    (await store.messages('s1')).push(message(2));
    expect(await store.messages('s1')).toHaveLength(1);
  });

  it('deletes a session for good, ignoring appends that race with or follow the delete', async () => {
    const store = new FileSessionStore(dir);
    await store.create(session('gone'));
    await store.create(session('kept'));
    const racing = store.appendMessage('gone', message(1));

    expect(await store.delete('gone')).toBe(true);
    await racing;
    await store.appendMessage('gone', message(2, 'assistant'));

    expect(readdirSync(dir)).toEqual(['kept.jsonl']);
    expect(await store.get('gone')).toBeUndefined();
    expect(await new FileSessionStore(dir).get('gone')).toBeUndefined();
    expect(await store.delete('gone')).toBe(false);
    expect(await store.get('kept')).toEqual(session('kept'));
  });

  it('writes a turn appended twice once, and reads a turn found twice in the file (two writers) once, as first written', async () => {
    const store = new FileSessionStore(dir);
    await store.create(session('s1'));
    await store.appendMessage('s1', message(1));
    await store.appendMessage('s1', { ...message(1), text: 'again' });
    await store.rememberClientMessage('s1', 'c1', 'm1');
    expect(await store.rememberClientMessage('s1', 'c1', 'm9')).toBe('m1');
    expect(readFileSync(join(dir, 's1.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);

    // A second process on the same folder records the same answer, and another id for the same client message.
    appendFileSync(join(dir, 's1.jsonl'), `${JSON.stringify({ type: 'message', ...message(1), text: 'from elsewhere' })}\n`);
    appendFileSync(join(dir, 's1.jsonl'), `${JSON.stringify({ type: 'client-message', clientMessageId: 'c1', messageId: 'm9' })}\n`);
    const reloaded = new FileSessionStore(dir);
    expect(await reloaded.messages('s1')).toEqual([message(1)]);
    expect(await reloaded.findClientMessage('s1', 'c1')).toBe('m1');
  });
});
