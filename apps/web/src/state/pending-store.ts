/** A question whose answer was not complete when last seen: resumed (or re-sent) after a reload. */
export interface PendingMessage {
  key: string;
  clientMessageId: string;
  messageId: string | null;
  text: string;
  createdAt: string;
}

const keyOf = (sessionId: string) => `relay.pending.${sessionId}`;

/** Pending messages of one session, kept in localStorage so a reload mid-answer loses nothing. */
export class PendingStore {
  constructor(
    private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>,
    private readonly sessionId: string,
  ) {}

  all(): PendingMessage[] {
    try {
      const parsed = JSON.parse(this.storage.getItem(keyOf(this.sessionId)) ?? '[]') as PendingMessage[];
      return Array.isArray(parsed) ? parsed.filter((p) => typeof p?.clientMessageId === 'string' && typeof p?.text === 'string') : [];
    } catch {
      return [];
    }
  }

  put(message: PendingMessage): void {
    this.write([...this.all().filter((p) => p.key !== message.key), message]);
  }

  remove(key: string): void {
    this.write(this.all().filter((p) => p.key !== key));
  }

  clear(): void {
    this.storage.removeItem(keyOf(this.sessionId));
  }

  private write(list: PendingMessage[]): void {
    try {
      if (list.length === 0) this.storage.removeItem(keyOf(this.sessionId));
      else this.storage.setItem(keyOf(this.sessionId), JSON.stringify(list));
    } catch {
      // Storage unavailable: a reload mid-answer then shows the history only.
    }
  }
}
