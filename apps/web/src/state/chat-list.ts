import { Store } from './store';

/**
 * A chat is a Relay session: without sign-in, one this browser created, with the token that owns it (the server has
 * no list); with sign-in, one of the user's chats as the server lists them (token '': the sign-in cookie opens it).
 */
export interface ChatEntry {
  sessionId: string;
  token: string;
  title: string;
  /** True once the user named it; until then the first question names it. */
  renamed: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ChatListState {
  chats: ChatEntry[];
  activeSessionId: string | null;
}

const KEY = 'relay.chats.v1';
export const UNTITLED = 'New chat';

/** Where a signed-in user's list is cached in this browser (the server holds the real one). */
export const userListKey = (userId: string) => `${KEY}:user:${userId}`;

/**
 * The chats, most recently used first. Without sign-in they live in localStorage only; with sign-in the server's
 * list is the truth (`replaceFromServer`) and localStorage only caches it for a quick first paint.
 */
export class ChatList {
  /** What components subscribe to. */
  readonly store: Store<ChatListState>;

  constructor(
    private readonly storage: Pick<Storage, 'getItem' | 'setItem'>,
    private readonly key = KEY,
  ) {
    this.store = new Store(read(storage, key));
  }

  /** The user's chats as the server lists them (titles the server has win; the open chat stays open if it is still there). */
  replaceFromServer(sessions: Array<{ sessionId: string; title?: string; createdAt: string; updatedAt: string }>): void {
    const cached = new Map(this.state.chats.map((c) => [c.sessionId, c]));
    const chats = sessions.map((s): ChatEntry => {
      const old = cached.get(s.sessionId);
      return { sessionId: s.sessionId, token: '', title: s.title ?? old?.title ?? UNTITLED, renamed: !!s.title || !!old?.renamed, createdAt: s.createdAt, updatedAt: s.updatedAt };
    });
    const active = chats.some((c) => c.sessionId === this.state.activeSessionId) ? this.state.activeSessionId : (chats[0]?.sessionId ?? null);
    this.update({ chats, activeSessionId: active });
  }

  get snapshot(): ChatListState {
    return this.store.get();
  }

  private get state(): ChatListState {
    return this.store.get();
  }

  get active(): ChatEntry | undefined {
    return this.state.chats.find((c) => c.sessionId === this.state.activeSessionId);
  }

  add(session: { sessionId: string; token?: string }, now = new Date()): ChatEntry {
    const at = now.toISOString();
    const chat: ChatEntry = { sessionId: session.sessionId, token: session.token ?? '', title: UNTITLED, renamed: false, createdAt: at, updatedAt: at };
    this.update({ chats: [chat, ...this.state.chats], activeSessionId: chat.sessionId });
    return chat;
  }

  select(sessionId: string): void {
    if (this.state.chats.some((c) => c.sessionId === sessionId)) this.update({ ...this.state, activeSessionId: sessionId });
  }

  rename(sessionId: string, title: string): void {
    const trimmed = title.trim().slice(0, 80);
    if (!trimmed) return;
    this.patch(sessionId, { title: trimmed, renamed: true });
  }

  /** A question was asked: the chat moves to the top and, if never named, takes the question as its title (returned when new). */
  touched(sessionId: string, question: string, now = new Date()): string | undefined {
    const chat = this.state.chats.find((c) => c.sessionId === sessionId);
    if (!chat) return undefined;
    const title = chat.renamed || chat.title !== UNTITLED ? chat.title : titleFrom(question);
    const updated = { ...chat, title, updatedAt: now.toISOString() };
    this.update({ ...this.state, chats: [updated, ...this.state.chats.filter((c) => c !== chat)] });
    return title !== chat.title ? title : undefined;
  }

  /** Removes the chat; if it was the active one, the next most recent becomes active. */
  remove(sessionId: string): void {
    const chats = this.state.chats.filter((c) => c.sessionId !== sessionId);
    const activeSessionId = this.state.activeSessionId === sessionId ? (chats[0]?.sessionId ?? null) : this.state.activeSessionId;
    this.update({ chats, activeSessionId });
  }

  private patch(sessionId: string, fields: Partial<ChatEntry>): void {
    this.update({ ...this.state, chats: this.state.chats.map((c) => (c.sessionId === sessionId ? { ...c, ...fields } : c)) });
  }

  private update(next: ChatListState): void {
    try {
      this.storage.setItem(this.key, JSON.stringify(next));
    } catch {
      // Storage full or disabled (private mode): the chats live for this page only.
    }
    this.store.set(next);
  }
}

export function titleFrom(question: string): string {
  const oneLine = question.replace(/\s+/g, ' ').trim();
  return oneLine.length > 48 ? `${oneLine.slice(0, 47)}…` : oneLine || UNTITLED;
}

function read(storage: Pick<Storage, 'getItem'>, key: string): ChatListState {
  try {
    const parsed = JSON.parse(storage.getItem(key) ?? 'null') as ChatListState | null;
    if (!parsed || !Array.isArray(parsed.chats)) return { chats: [], activeSessionId: null };
    const chats = parsed.chats.filter((c) => typeof c?.sessionId === 'string' && typeof c?.token === 'string');
    const active = chats.some((c) => c.sessionId === parsed.activeSessionId) ? parsed.activeSessionId : (chats[0]?.sessionId ?? null);
    return { chats, activeSessionId: active };
  } catch {
    return { chats: [], activeSessionId: null };
  }
}
