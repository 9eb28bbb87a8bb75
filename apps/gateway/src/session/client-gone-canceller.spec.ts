import { ClientGoneCanceller, GraceTimers } from './client-gone-canceller';

/** Timers that run only when the test moves the clock. */
class FakeClock implements GraceTimers {
  now = 0;
  private timers = new Map<number, { at: number; run: () => void }>();
  private next = 1;
  set(run: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.now + ms, run });
    return id;
  }
  clear(timer: unknown): void {
    this.timers.delete(timer as number);
  }
  advance(ms: number): void {
    this.now += ms;
    for (const [id, t] of [...this.timers]) {
      if (t.at > this.now) continue;
      this.timers.delete(id);
      t.run();
    }
  }
}

function setup(graceMs = 5000) {
  const clock = new FakeClock();
  const abandoned: string[] = [];
  const sut = new ClientGoneCanceller(graceMs, async (sessionId) => {
    abandoned.push(sessionId);
    return 1;
  }, clock);
  return { sut, clock, abandoned };
}

describe('ClientGoneCanceller', () => {
  it('cancels the answers of a chat whose last socket stayed away for the whole grace period', () => {
    const { sut, clock, abandoned } = setup(5000);
    sut.gone('s1');
    clock.advance(4999);
    expect(abandoned).toEqual([]);
    clock.advance(1);
    expect(abandoned).toEqual(['s1']);
    expect(sut.pending).toBe(0);
  });

  it('keeps the answers of a chat whose socket came back within the grace period (a page reload)', () => {
    const { sut, clock, abandoned } = setup(5000);
    sut.gone('s1');
    clock.advance(3000);
    sut.back('s1');
    clock.advance(60_000);
    expect(abandoned).toEqual([]);
  });

  it('starts a fresh grace period after a return and a second departure, and keeps chats apart', () => {
    const { sut, clock, abandoned } = setup(5000);
    sut.gone('s1');
    sut.gone('s2');
    clock.advance(3000);
    sut.back('s1');
    sut.gone('s1');
    clock.advance(2000);
    expect(abandoned).toEqual(['s2']);
    clock.advance(3000);
    expect(abandoned).toEqual(['s2', 's1']);
  });

  it('never cancels when the grace period is 0 (turned off)', () => {
    const { sut, clock, abandoned } = setup(0);
    sut.gone('s1');
    clock.advance(1_000_000);
    expect(abandoned).toEqual([]);
  });
});
