/**
 * The generations this worker is running, so a cancel can stop one, and the cancels that arrived before their
 * prompt did (the message was still in the pipeline), so that prompt finishes as cancelled without generating.
 */
export class GenerationRegistry {
  private readonly active = new Map<string, AbortController>();
  private readonly cancelledEarly = new Map<string, number>();
  private readonly answered = new Set<string>();

  constructor(
    private readonly rememberMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts tracking a generation; the signal aborts when it is cancelled. */
  start(messageId: string): AbortSignal {
    const controller = new AbortController();
    this.forgetOld();
    if (this.cancelledEarly.delete(messageId)) controller.abort();
    this.active.set(messageId, controller);
    return controller.signal;
  }

  finish(messageId: string): void {
    this.active.delete(messageId);
  }

  cancel(messageId: string): 'stopped' | 'remembered' {
    const controller = this.active.get(messageId);
    if (controller) {
      controller.abort();
      return 'stopped';
    }
    this.forgetOld();
    this.cancelledEarly.set(messageId, this.now());
    return 'remembered';
  }

  /** The answer went out; a redelivered copy of its prompt must not be generated again. */
  markAnswered(messageId: string): void {
    this.answered.add(messageId);
    // Sets iterate in insertion order: forget the oldest beyond a bound.
    if (this.answered.size > 10_000) this.answered.delete(this.answered.values().next().value!);
  }

  wasAnswered(messageId: string): boolean {
    return this.answered.has(messageId);
  }

  get activeCount(): number {
    return this.active.size;
  }

  private forgetOld(): void {
    const cutoff = this.now() - this.rememberMs;
    for (const [id, at] of this.cancelledEarly) if (at < cutoff) this.cancelledEarly.delete(id);
  }
}
