import { PromptReaders } from './prompt-readers';

const settle = () => new Promise((r) => setImmediate(r));

describe('PromptReaders', () => {
  it('lets in as many prompts as there is room for and the rest in the order they came', async () => {
    const sut = new PromptReaders(() => 2);
    const order: string[] = [];
    const leaves: Record<string, () => void> = {};
    for (const id of ['a', 'b', 'c', 'd']) void sut.enter().then((leave) => (order.push(id), (leaves[id] = leave)));
    await settle();
    expect(order).toEqual(['a', 'b']);

    leaves.b();
    await settle();
    expect(order).toEqual(['a', 'b', 'c']);
    leaves.b(); // leaving twice frees one place only
    await settle();
    expect(order).toEqual(['a', 'b', 'c']);
    leaves.a();
    await settle();
    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });

  it('admits more when the room grows, and never fewer than one', async () => {
    let room = 0;
    const sut = new PromptReaders(() => room);
    const entered: string[] = [];
    for (const id of ['a', 'b', 'c']) void sut.enter().then(() => entered.push(id));
    await settle();
    expect(entered).toEqual(['a']);
    room = 3;
    sut.admit();
    await settle();
    expect(entered).toEqual(['a', 'b', 'c']);
  });

  it('lets a prompt cancelled while it waits go at once without taking a place', async () => {
    const sut = new PromptReaders(() => 1);
    const first = await sut.enter();
    const controller = new AbortController();
    const cancelled = sut.enter(controller.signal);
    const next: string[] = [];
    void sut.enter().then(() => next.push('next'));
    controller.abort();
    (await cancelled)();
    first();
    await settle();
    expect(next).toEqual(['next']);
    expect(sut.readingCount).toBe(1);
  });
});
