/**
 * Lines up the work of the next decode step so that it is handed to node-llama-cpp all at once, on the event loop's
 * next turn after the last streaming answer asked for its next token.
 *
 * Why: node-llama-cpp decodes in a loop that holds the context's lock and goes on as long as work is queued when a
 * step ends. The answers of a step get their tokens back one by one (sampling ends at slightly different times) and
 * ask for the next ones a few microtasks later. Left alone, the early ones are queued when the step ends and the loop
 * starts the next step without the late ones: four answers came out three per step, two took turns one at a time.
 * And the loop never let go of the lock while answers streamed, so a new chat, which must first erase what its
 * sequence held before, waited until every other answer had finished. Handing everything in together, after the
 * step ends, lets the loop end after each step (the lock is free for a moment) and puts every answer in every step.
 *
 * Members are the answers streaming now; each step they `arrive` and wait. Once all have arrived (or `maxWaitMs`
 * after the first, should one be slow), every waiter is released on the next turn. Other work for the step (pieces
 * of prompts) waits for that same release with `nextRelease`. The answers of one step are sampled on libuv's thread
 * pool and come back spread out: under load, 16 of them took over 100 ms, hence the generous default wait (a member
 * that stops asking leaves the barrier, so the wait only runs out when one is unusually slow).
 */
export class StepBarrier {
  private readonly members = new Set<object>();
  private readonly arrived = new Set<object>();
  private waiters: Array<() => void> = [];
  private releaseScheduled = false;
  private timer?: NodeJS.Timeout;

  constructor(private readonly maxWaitMs = 250) {}

  get streaming(): number {
    return this.members.size;
  }

  join(member: object): void {
    this.members.add(member);
  }

  leave(member: object): void {
    this.members.delete(member);
    this.arrived.delete(member);
    this.releaseIfAllArrived();
  }

  /** A member's next token request: resolves when the next step's work is handed in. */
  arrive(member: object): Promise<void> {
    if (!this.members.has(member)) return this.nextRelease();
    this.arrived.add(member);
    const released = this.nextRelease();
    this.releaseIfAllArrived();
    return released;
  }

  /** Resolves with the next release: at once (next turn) when no answer is streaming. */
  nextRelease(): Promise<void> {
    const released = new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.members.size === 0) this.scheduleRelease();
    else this.timer ??= setTimeout(() => this.scheduleRelease(), this.maxWaitMs);
    return released;
  }

  private releaseIfAllArrived(): void {
    if (this.waiters.length > 0 && this.arrived.size >= this.members.size) this.scheduleRelease();
  }

  private scheduleRelease(): void {
    if (this.releaseScheduled) return;
    this.releaseScheduled = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    setImmediate(() => {
      this.releaseScheduled = false;
      const waiters = this.waiters;
      this.waiters = [];
      this.arrived.clear();
      for (const resolve of waiters) resolve();
    });
  }
}
