/**
 * The prompts waiting for the model when more want it than it generates at once (its parallelism). Fair between
 * users: they take turns, one prompt each, so one user's burst does not starve the others; each user's own prompts go
 * in the order they came. A waiting prompt is told its place in line (1 = next) and told again whenever it changes;
 * a cancelled one leaves the line at once.
 *
 * Turns are kept with start-time fair queuing: each prompt gets a virtual start tag, the later of the tag of the
 * prompt last started and the end of its user's previous prompt (that prompt's tag + 1), and the lowest tag starts
 * next (the earlier arrival between equal tags). A user who sends five at once gets tags t…t+4; a user who has
 * nothing running or waiting gets the current tag, so goes before the first user's second prompt.
 */
export interface WaitingPrompt {
  messageId: string;
  userId: string;
  /** Aborts while waiting: the prompt leaves the line and acquire resolves 'cancelled'. */
  signal?: AbortSignal;
  /** Its place in line, 1 being next; called when it starts waiting and whenever that changes. */
  onPosition?(position: number): void;
}

interface Entry {
  prompt: WaitingPrompt;
  tag: number;
  arrival: number;
  position: number;
  start(outcome: 'started' | 'cancelled'): void;
  stopListening(): void;
}

export class GenerationQueue {
  private readonly waiting: Entry[] = [];
  private running = 0;
  /** The virtual time: the tag of the prompt started last. */
  private lastStartedTag = 0;
  /** Per user, the end of their latest prompt (its tag + 1); entries at or below the virtual time are dropped. */
  private readonly userEnds = new Map<string, number>();
  private arrivals = 0;

  /** `capacity` is read each time: the model's parallelism is known only once it has loaded. */
  constructor(private readonly capacity: () => number) {}

  get runningCount(): number {
    return this.running;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  /**
   * Resolves 'started' when the prompt may generate (call release() when it is done), at once if there is room and
   * no one is waiting; or 'cancelled' if its signal aborts first (nothing to release then).
   */
  acquire(prompt: WaitingPrompt): Promise<'started' | 'cancelled'> {
    if (prompt.signal?.aborted) return Promise.resolve('cancelled');
    const tag = Math.max(this.lastStartedTag, this.userEnds.get(prompt.userId) ?? 0);
    this.userEnds.set(prompt.userId, tag + 1);
    if (this.waiting.length === 0 && this.running < this.capacity()) {
      this.begin(tag);
      return Promise.resolve('started');
    }
    return new Promise((resolve) => {
      const onAbort = () => this.cancelWaiting(entry);
      const entry: Entry = {
        prompt,
        tag,
        arrival: this.arrivals++,
        position: 0,
        start: resolve,
        stopListening: () => prompt.signal?.removeEventListener('abort', onAbort),
      };
      prompt.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
      this.tellPositions();
    });
  }

  /** A started prompt finished: the next in line (if any) starts. */
  release(): void {
    this.running = Math.max(0, this.running - 1);
    this.startWhatFits();
  }

  /** The message ids waiting, next first (for logs and tests). */
  order(): string[] {
    return this.ordered().map((e) => e.prompt.messageId);
  }

  private startWhatFits(): void {
    let started = false;
    while (this.waiting.length > 0 && this.running < this.capacity()) {
      const next = this.ordered()[0];
      this.waiting.splice(this.waiting.indexOf(next), 1);
      this.begin(next.tag);
      next.stopListening();
      next.start('started');
      started = true;
    }
    if (started) this.tellPositions();
  }

  private begin(tag: number): void {
    this.running++;
    this.lastStartedTag = Math.max(this.lastStartedTag, tag);
    for (const [user, end] of this.userEnds) if (end <= this.lastStartedTag) this.userEnds.delete(user);
  }

  private cancelWaiting(entry: Entry): void {
    const at = this.waiting.indexOf(entry);
    if (at < 0) return;
    this.waiting.splice(at, 1);
    entry.start('cancelled');
    this.tellPositions();
  }

  private ordered(): Entry[] {
    return [...this.waiting].sort((a, b) => a.tag - b.tag || a.arrival - b.arrival);
  }

  private tellPositions(): void {
    this.ordered().forEach((entry, i) => {
      if (entry.position === i + 1) return;
      entry.position = i + 1;
      entry.prompt.onPosition?.(entry.position);
    });
  }
}
