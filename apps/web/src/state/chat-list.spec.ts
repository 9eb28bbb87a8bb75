import { ChatList, titleFrom, UNTITLED } from './chat-list';

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

describe('ChatList', () => {
  it('keeps chats across page loads, with the active one', () => {
    const storage = new MemoryStorage();
    const list = new ChatList(storage);
    list.add({ sessionId: 's1', token: 't1' });
    list.add({ sessionId: 's2', token: 't2' });
    list.select('s1');

    const reloaded = new ChatList(storage);
    expect(reloaded.snapshot.chats.map((c) => c.sessionId)).toEqual(['s2', 's1']);
    expect(reloaded.active?.token).toBe('t1');
  });

  it('names an untitled chat after its first question, and never overrides a rename', () => {
    const list = new ChatList(new MemoryStorage());
    list.add({ sessionId: 's1', token: 't' });
    list.touched('s1', 'What is the   refund policy?');
    expect(list.active?.title).toBe('What is the refund policy?');
    list.touched('s1', 'second question');
    expect(list.active?.title).toBe('What is the refund policy?');

    list.rename('s1', '  Refunds  ');
    list.touched('s1', 'third');
    expect(list.active).toMatchObject({ title: 'Refunds', renamed: true });
    list.rename('s1', '   ');
    expect(list.active?.title).toBe('Refunds');
  });

  it('moves the chat asked in to the top', () => {
    const list = new ChatList(new MemoryStorage());
    list.add({ sessionId: 'old', token: 't' }, new Date('2026-01-01'));
    list.add({ sessionId: 'new', token: 't' }, new Date('2026-01-02'));
    list.touched('old', 'hello', new Date('2026-01-03'));
    expect(list.snapshot.chats.map((c) => c.sessionId)).toEqual(['old', 'new']);
  });

  it('activates the next chat when the active one is removed', () => {
    const list = new ChatList(new MemoryStorage());
    list.add({ sessionId: 'a', token: 't' });
    list.add({ sessionId: 'b', token: 't' });
    list.remove('b');
    expect(list.snapshot.activeSessionId).toBe('a');
    list.remove('a');
    expect(list.snapshot).toEqual({ chats: [], activeSessionId: null });
  });

  it('starts empty from missing or corrupt storage and drops malformed entries', () => {
    const storage = new MemoryStorage();
    storage.setItem('relay.chats.v1', '{not json');
    expect(new ChatList(storage).snapshot.chats).toEqual([]);
    storage.setItem('relay.chats.v1', JSON.stringify({ chats: [{ sessionId: 's', token: 't', title: 'x' }, { sessionId: 1 }], activeSessionId: 'gone' }));
    const list = new ChatList(storage);
    expect(list.snapshot.chats).toHaveLength(1);
    expect(list.snapshot.activeSessionId).toBe('s');
  });

  it('makes short one-line titles', () => {
    expect(titleFrom('a\nb')).toBe('a b');
    expect(titleFrom(' ')).toBe(UNTITLED);
    expect(titleFrom('x'.repeat(100))).toHaveLength(48);
  });
});
