import { FileSessionStore } from '@relay/session-store';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Finding 6: the file session store cached every session and its whole history until deletion, so unlimited session
// creation exhausted memory. Finding 9: a deleted session could be recreated by another gateway's cached copy on a
// shared data folder.

const session = (i: number) => ({ sessionId: `s-${i}`, userId: 'u', createdAt: new Date().toISOString() });

describe('finding 6: the session cache is bounded', () => {
  it('keeps at most the configured number of sessions in memory, and evicted ones still read back from disk', async () => {
    const store = new FileSessionStore(mkdtempSync(join(tmpdir(), 'relay-sessions-')), { cacheSize: 10 });
    for (let i = 0; i < 200; i++) {
      await store.create(session(i));
      await store.appendMessage(`s-${i}`, { messageId: `m-${i}`, role: 'user', text: `hello ${i}`, createdAt: new Date().toISOString() });
    }
    expect(store.cachedSessions()).toBeLessThanOrEqual(10);
    expect((await store.messages('s-3')).map((m) => m.text)).toEqual(['hello 3']);
    expect(await store.findClientMessage('s-4', 'nope')).toBeUndefined();
    expect(store.cachedSessions()).toBeLessThanOrEqual(10);
  });

  it('never loses an append that was still being written when its session was evicted', async () => {
    const store = new FileSessionStore(mkdtempSync(join(tmpdir(), 'relay-sessions-')), { cacheSize: 1 });
    await store.create(session(1));
    const writes = Array.from({ length: 20 }, (_, n) => store.appendMessage('s-1', { messageId: `m-${n}`, role: 'user', text: `t${n}`, createdAt: '' }));
    await store.create(session(2)); // evicts s-1 while its appends are queued
    await Promise.all(writes);
    expect((await store.messages('s-1')).map((m) => m.text)).toEqual(Array.from({ length: 20 }, (_, n) => `t${n}`));
  });
});

describe('finding 9: a deleted session stays deleted for every store on a shared folder', () => {
  it('does not recreate the file or keep serving the session from another store’s cache', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-sessions-'));
    const a = new FileSessionStore(dir);
    const b = new FileSessionStore(dir);
    await a.create(session(1));
    expect(await b.get('s-1')).toBeDefined(); // b caches it
    expect(await a.delete('s-1')).toBe(true);

    await b.appendMessage('s-1', { messageId: 'late', role: 'assistant', text: 'late answer', createdAt: '' });
    expect(existsSync(join(dir, 's-1.jsonl'))).toBe(false);
    expect(await b.get('s-1')).toBeUndefined();
  });
});
