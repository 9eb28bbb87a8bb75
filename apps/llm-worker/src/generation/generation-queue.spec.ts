import { GenerationQueue, WaitingPrompt } from './generation-queue';

/** A queue of `capacity` with helpers that record what each prompt was told and when it started. */
function setup(capacity = 1) {
  const sut = new GenerationQueue(() => capacity);
  const told = new Map<string, number[]>();
  const started: string[] = [];
  const ask = (messageId: string, userId: string, extra: Partial<WaitingPrompt> = {}) => {
    const outcome = sut.acquire({ messageId, userId, onPosition: (p) => told.set(messageId, [...(told.get(messageId) ?? []), p]), ...extra });
    void outcome.then((o) => o === 'started' && started.push(messageId));
    return outcome;
  };
  const settle = () => new Promise((r) => setImmediate(r));
  return { sut, told, started, ask, settle };
}

describe('GenerationQueue', () => {
  it('starts at once while there is room, and tells nothing to a prompt that never waits', async () => {
    const { sut, ask, told } = setup(2);
    await expect(ask('a', 'u1')).resolves.toBe('started');
    await expect(ask('b', 'u1')).resolves.toBe('started');
    expect(sut.runningCount).toBe(2);
    expect(told.size).toBe(0);
  });

  it('takes turns between users, so a burst from one user does not hold up another', async () => {
    const { sut, ask, started, settle } = setup(1);
    await ask('running', 'alice');
    for (const id of ['a1', 'a2', 'a3', 'a4']) void ask(id, 'alice');
    void ask('b1', 'bob');
    void ask('c1', 'carol');
    void ask('b2', 'bob');

    // alice already has one running: bob and carol go first, then everyone takes turns.
    expect(sut.order()).toEqual(['b1', 'c1', 'a1', 'b2', 'a2', 'a3', 'a4']);
    for (let i = 0; i < 7; i++) {
      sut.release();
      await settle();
    }
    expect(started).toEqual(['running', 'b1', 'c1', 'a1', 'b2', 'a2', 'a3', 'a4']);
  });

  it('puts a user who arrives later before the second prompt of a user already served', async () => {
    const { sut, ask, settle } = setup(1);
    await ask('running', 'alice');
    void ask('a1', 'alice');
    void ask('a2', 'alice');
    sut.release(); // a1 starts
    await settle();
    void ask('b1', 'bob');
    expect(sut.order()).toEqual(['b1', 'a2']);
  });

  it('keeps each user’s prompts in the order they came', async () => {
    const { sut, ask } = setup(1);
    await ask('running', 'x');
    for (const id of ['u1', 'u2', 'u3']) void ask(id, 'alice');
    expect(sut.order()).toEqual(['u1', 'u2', 'u3']);
  });

  it('tells each waiting prompt its place and tells it again whenever it changes', async () => {
    const { sut, ask, told, settle } = setup(1);
    await ask('running', 'alice');
    void ask('a1', 'alice');
    void ask('a2', 'alice');
    expect(told.get('a1')).toEqual([1]);
    expect(told.get('a2')).toEqual([2]);

    void ask('b1', 'bob'); // alice has one running: bob goes first
    expect(told.get('b1')).toEqual([1]);
    expect(told.get('a1')).toEqual([1, 2]);
    expect(told.get('a2')).toEqual([2, 3]);

    sut.release(); // b1 starts: everyone moves up
    await settle();
    expect(told.get('a1')).toEqual([1, 2, 1]);
    expect(told.get('a2')).toEqual([2, 3, 2]);
    expect(told.get('b1')).toEqual([1]);
  });

  it('lets a prompt cancelled while waiting leave the line at once, and moves the others up', async () => {
    const { sut, ask, told, started, settle } = setup(1);
    await ask('running', 'alice');
    const controller = new AbortController();
    const cancelled = ask('b1', 'bob', { signal: controller.signal });
    void ask('c1', 'carol');
    expect(told.get('c1')).toEqual([2]);

    controller.abort();
    await expect(cancelled).resolves.toBe('cancelled');
    expect(sut.order()).toEqual(['c1']);
    expect(told.get('c1')).toEqual([2, 1]);

    sut.release();
    await settle();
    expect(started).toEqual(['running', 'c1']);
    expect(sut.runningCount).toBe(1); // the cancelled prompt never took a slot
  });

  it('answers cancelled at once for a prompt cancelled before it asked', async () => {
    const { sut, ask } = setup(1);
    const controller = new AbortController();
    controller.abort();
    await expect(ask('a', 'alice', { signal: controller.signal })).resolves.toBe('cancelled');
    expect(sut.runningCount).toBe(0);
  });

  it('starts as many as fit when capacity allows several', async () => {
    const { sut, ask, started, settle } = setup(3);
    for (const id of ['a', 'b', 'c', 'd', 'e']) void ask(id, id);
    await settle();
    expect(started).toEqual(['a', 'b', 'c']);
    sut.release();
    sut.release();
    await settle();
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(sut.waitingCount).toBe(0);
  });
});
