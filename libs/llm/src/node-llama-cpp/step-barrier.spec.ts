import { StepBarrier } from './step-barrier';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const tick = async (turns = 2) => {
  for (let i = 0; i < turns; i++) await nextTurn();
};

function track(promise: Promise<void>) {
  const state = { released: false };
  void promise.then(() => (state.released = true));
  return state;
}

describe('StepBarrier', () => {
  it('holds the streaming answers’ token requests until every one has asked, then releases them together', async () => {
    const barrier = new StepBarrier(10_000);
    const [a, b, c] = [{}, {}, {}];
    [a, b, c].forEach((m) => barrier.join(m));

    const first = track(barrier.arrive(a));
    const second = track(barrier.arrive(b));
    await tick();
    expect([first.released, second.released]).toEqual([false, false]);

    const third = track(barrier.arrive(c));
    await tick();
    expect([first.released, second.released, third.released]).toEqual([true, true, true]);
  });

  it('releases prompt work with the next step, and at once (next turn) when nothing is streaming', async () => {
    const barrier = new StepBarrier(10_000);
    const alone = track(barrier.nextRelease());
    await tick();
    expect(alone.released).toBe(true);

    const a = {};
    barrier.join(a);
    const piece = track(barrier.nextRelease());
    await tick();
    expect(piece.released).toBe(false);
    void barrier.arrive(a);
    await tick();
    expect(piece.released).toBe(true);
  });

  it('stops waiting for an answer that leaves, and for one that is slow beyond maxWaitMs', async () => {
    const barrier = new StepBarrier(30);
    const [a, b, c] = [{}, {}, {}];
    [a, b, c].forEach((m) => barrier.join(m));

    const fromA = track(barrier.arrive(a));
    barrier.leave(b);
    await tick();
    expect(fromA.released).toBe(false); // c has not asked yet
    await new Promise((r) => setTimeout(r, 50));
    await tick();
    expect(fromA.released).toBe(true); // c was slow: the step went ahead without it
    expect(barrier.streaming).toBe(2);
  });

  it('lets a member that arrives while a release is pending go with it, and starts the next round afresh', async () => {
    const barrier = new StepBarrier(10_000);
    const [a, b] = [{}, {}];
    barrier.join(a);
    barrier.join(b);
    void barrier.arrive(a);
    void barrier.arrive(b);
    await tick();
    const again = track(barrier.arrive(a));
    await tick();
    expect(again.released).toBe(false); // b has not asked for its next token yet
  });
});
