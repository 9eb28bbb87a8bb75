import { CORRELATION_HEADER, createEnvelope, DEAD_LETTER_HEADERS, nowMs, TOPICS } from '@relay/contracts';
import type { TransportRecord } from '../transport-record';
import { ConcurrencyLimit } from './concurrency-limit';
import { PartitionWorker, PartitionWorkerOptions } from './partition-worker';
import { DeliveryTarget, RecordDispatcher } from './record-dispatcher';

const record = (key: string, value: string): TransportRecord => ({ topic: 't', key, value, headers: {} });

/** Lets pending setImmediate callbacks and promise continuations run. */
const settle = async (turns = 10) => {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
};

/** A handler whose calls each wait until the test releases them by value. */
class GatedHandler {
  readonly started: string[] = [];
  readonly finished: string[] = [];
  private readonly gates = new Map<string, () => void>();
  running = 0;
  peak = 0;

  readonly handle = async (r: TransportRecord): Promise<void> => {
    this.started.push(r.value);
    this.running++;
    this.peak = Math.max(this.peak, this.running);
    await new Promise<void>((resolve) => this.gates.set(r.value, resolve));
    this.running--;
    this.finished.push(r.value);
  };

  async release(...values: string[]): Promise<void> {
    for (const v of values) {
      const open = this.gates.get(v);
      if (!open) throw new Error(`${v} is not running (running: ${[...this.gates.keys()].join(', ')})`);
      this.gates.delete(v);
      open();
    }
    await settle();
  }
}

function setup(options: Partial<PartitionWorkerOptions> & { limit?: ConcurrencyLimit } = {}) {
  const handler = new GatedHandler();
  const commits: bigint[] = [];
  const events: string[] = [];
  const sut = new PartitionWorker({
    limit: options.limit ?? new ConcurrencyLimit(8),
    handle: options.handle ?? handler.handle,
    commit: options.commit ?? (async (next) => void commits.push(next)),
    buffer: options.buffer ?? { max: 100, pause: () => events.push('pause'), resume: () => events.push('resume') },
    onHandled: options.onHandled,
  });
  const push = (...keysAndValues: Array<[string, string]>) => {
    for (const [key, value] of keysAndValues) sut.push(record(key, value), BigInt(value.slice(1)));
  };
  return { sut, handler, commits, events, push };
}

describe('PartitionWorker', () => {
  it('runs records of different keys concurrently and records of one key strictly in order', async () => {
    const limit = new ConcurrencyLimit(4);
    const order = new Map<string, number[]>();
    let running = 0;
    let peak = 0;
    const busyKeys = new Set<string>();
    let sameKeyOverlap = false;
    const sut = new PartitionWorker({
      limit,
      handle: async (r) => {
        if (busyKeys.has(r.key)) sameKeyOverlap = true;
        busyKeys.add(r.key);
        peak = Math.max(peak, ++running);
        const n = Number(r.value);
        // Finishes after a varying number of turns, so completion order differs from arrival order.
        for (let i = 0; i < ((n * 7) % 5) + 1; i++) await new Promise<void>((resolve) => setImmediate(resolve));
        order.set(r.key, [...(order.get(r.key) ?? []), n]);
        running--;
        busyKeys.delete(r.key);
      },
    });
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (let n = 0; n < 60; n++) sut.push(record(keys[(n * 5) % keys.length], String(n)), BigInt(n));
    await settle(200);

    expect(sameKeyOverlap).toBe(false);
    expect(peak).toBe(4);
    for (const key of keys) {
      const expected = Array.from({ length: 60 }, (_, n) => n).filter((n) => keys[(n * 5) % keys.length] === key);
      expect(order.get(key)).toEqual(expected);
    }
    expect(sut.buffered).toBe(0);
  });

  it('commits only the gap-free handled prefix when records finish out of order', async () => {
    const { handler, commits, push } = setup();
    push(['a', 'r0'], ['b', 'r1'], ['c', 'r2'], ['d', 'r3']);
    await settle();
    expect(handler.started).toEqual(['r0', 'r1', 'r2', 'r3']);

    await handler.release('r2', 'r3');
    expect(commits).toEqual([]); // r0 and r1 still in hand: committing past them could lose them
    await handler.release('r1');
    expect(commits).toEqual([]);
    await handler.release('r0');
    expect(commits).toEqual([4n]); // one commit for the whole prefix
  });

  it('never commits past a record still in hand, checked at every commit of a long random run', async () => {
    const handled = new Set<number>();
    const violations: string[] = [];
    const commits: bigint[] = [];
    const sut = new PartitionWorker({
      limit: new ConcurrencyLimit(5),
      handle: async (r) => {
        const n = Number(r.value);
        for (let i = 0; i < ((n * 13) % 7) + 1; i++) await new Promise<void>((resolve) => setImmediate(resolve));
        handled.add(n);
      },
      commit: async (next) => {
        for (let n = 0; n < Number(next); n++) if (!handled.has(n)) violations.push(`commit ${next} before ${n} was handled`);
        commits.push(next);
      },
    });
    for (let n = 0; n < 200; n++) sut.push(record(`k${(n * 7) % 11}`, String(n)), BigInt(n));
    await settle(400);
    await sut.settled();

    expect(violations).toEqual([]);
    expect(commits.at(-1)).toBe(200n);
    expect([...commits].sort((x, y) => (x < y ? -1 : 1))).toEqual(commits); // only ever forwards
  });

  it('goes on past a record that fails in the middle: dead-lettered with its reason, its key continues, the offset moves past it', async () => {
    const deadLetters: TransportRecord[] = [];
    const dispatcher = new RecordDispatcher({ maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 }, async (r) => void deadLetters.push(r), {
      warn: () => undefined,
      error: () => undefined,
    });
    const handled: string[] = [];
    const target: DeliveryTarget = {
      stage: 'test-stage',
      handle: async (message) => {
        const text = (message as { messageId: string }).messageId.slice('m-'.length);
        if (text === 'poison') throw new Error('cannot handle poison');
        handled.push(text);
      },
    };
    const commits: bigint[] = [];
    const sut = new PartitionWorker({
      limit: new ConcurrencyLimit(4),
      handle: (r) => dispatcher.dispatch(r, target),
      commit: async (next) => void commits.push(next),
    });
    const texts: Array<[string, string]> = [['s1', 'one'], ['s2', 'other'], ['s1', 'poison'], ['s1', 'two'], ['s2', 'more']];
    texts.forEach(([session, text], i) => sut.push(controlRecord(session, text), BigInt(i)));
    await new Promise((r) => setTimeout(r, 50));
    await sut.settled();

    expect(handled.filter((t) => ['one', 'two'].includes(t))).toEqual(['one', 'two']);
    expect(handled).toEqual(expect.arrayContaining(['other', 'more']));
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0].headers[DEAD_LETTER_HEADERS.reason]).toBe('cannot handle poison');
    expect(deadLetters[0].headers[DEAD_LETTER_HEADERS.attempts]).toBe('2');
    expect(commits.at(-1)).toBe(5n);
  });

  it('treats a handler that throws as handled, so the partition never stalls', async () => {
    const commits: bigint[] = [];
    const sut = new PartitionWorker({
      limit: new ConcurrencyLimit(2),
      handle: async (r) => {
        if (r.value === 'bad') throw new Error('boom');
      },
      commit: async (next) => void commits.push(next),
    });
    sut.push(record('a', 'good'), 0n);
    sut.push(record('a', 'bad'), 1n);
    sut.push(record('a', 'after'), 2n);
    await settle();
    await sut.settled();
    expect(commits.at(-1)).toBe(3n);
  });

  it('never runs more than the shared limit across partitions', async () => {
    const limit = new ConcurrencyLimit(3);
    const handler = new GatedHandler();
    const partitions = [0, 1].map(() => new PartitionWorker({ limit, handle: handler.handle }));
    for (let n = 0; n < 4; n++) partitions[n % 2].push(record(`k${n}`, `v${n}`), BigInt(n));
    await settle();
    expect(handler.running).toBe(3);
    await handler.release('v0');
    expect(handler.started).toEqual(['v0', 'v1', 'v2', 'v3']);
    await handler.release('v1', 'v2', 'v3');
    expect(handler.peak).toBe(3);
  });

  it('sends commits one at a time, in order, and skips to the newest position when several pile up', async () => {
    const sent: bigint[] = [];
    let releaseCommit: () => void = () => undefined;
    const { handler, push } = setup({
      commit: async (next) => {
        sent.push(next);
        if (sent.length === 1) await new Promise<void>((r) => (releaseCommit = r));
      },
    });
    push(['a', 'r0'], ['b', 'r1'], ['c', 'r2']);
    await settle();
    await handler.release('r0'); // commit 1 goes out and hangs
    await handler.release('r1'); // 2 waits
    await handler.release('r2'); // 3 replaces 2
    expect(sent).toEqual([1n]);
    releaseCommit();
    await settle();
    expect(sent).toEqual([1n, 3n]);
  });

  it('pauses once max records are held uncommitted and resumes at half', async () => {
    const pauses: string[] = [];
    const { sut: bounded, handler: h2 } = setup({ buffer: { max: 4, pause: () => pauses.push('pause'), resume: () => pauses.push('resume') } });
    for (let n = 0; n < 4; n++) bounded.push(record(`k${n}`, `r${n}`), BigInt(n));
    expect(pauses).toEqual(['pause']);
    await settle();
    await h2.release('r3', 'r2'); // done but not committable: still held
    expect(pauses).toEqual(['pause']);
    await h2.release('r0'); // r0 committed; r1 (in hand), r2 and r3 still held: 3 > 4 / 2
    expect(pauses).toEqual(['pause']);
    await h2.release('r1'); // all committed
    expect(pauses).toEqual(['pause', 'resume']);
  });

  it('on stop starts nothing more, and settles once the records in hand are handled and committed', async () => {
    const { sut, handler, commits, push } = setup({ limit: new ConcurrencyLimit(2) });
    push(['a', 'r0'], ['b', 'r1'], ['c', 'r2'], ['a', 'r3']);
    await settle();
    expect(handler.started).toEqual(['r0', 'r1']);
    sut.stop();
    let settled = false;
    const done = sut.settled().then(() => (settled = true));
    await handler.release('r1');
    expect(settled).toBe(false);
    await handler.release('r0');
    await done;
    // r2 (waiting for a slot) and r3 (waiting for its key) never ran, and the commit stops before r2.
    expect(handler.started).toEqual(['r0', 'r1']);
    expect(commits).toEqual([2n]);
    sut.push(record('d', 'late'), 4n);
    await settle();
    expect(handler.started).toEqual(['r0', 'r1']);
  });

  it('drops a record delivered again at a position it already holds or handled, within one assignment', async () => {
    const { sut, handler, commits } = setup();
    expect(sut.push(record('a', 'r0'), 0n)).toBe(true);
    expect(sut.push(record('b', 'r1'), 1n)).toBe(true);
    await settle();
    await handler.release('r0');
    expect(commits).toEqual([1n]);
    expect(sut.push(record('a', 'r0 again'), 0n)).toBe(false); // handled and committed
    expect(sut.push(record('b', 'r1 again'), 1n)).toBe(false); // still in hand
    expect(sut.push(record('c', 'r2'), 2n)).toBe(true);
    await settle();
    expect(handler.started).toEqual(['r0', 'r1', 'r2']);
    await handler.release('r1', 'r2');
    expect(commits.at(-1)).toBe(3n);
    expect(handler.finished).toEqual(['r0', 'r1', 'r2']);
  });

  it('after a reset commits nothing for records fetched before it, and a record fetched again waits for its earlier copy', async () => {
    const { sut, handler, commits, push, events } = setup({ buffer: { max: 2, pause: () => events.push('pause'), resume: () => events.push('resume') } });
    push(['a', 'r0'], ['b', 'r1']);
    await settle();
    expect(events).toEqual(['pause']);
    sut.reset();
    expect(events).toEqual(['pause', 'resume']);

    // The group rejoined and the partition is fetched again from the last commit (none): r0 comes again.
    sut.push(record('a', 'r0 again'), 0n);
    sut.push(record('c', 'r1 again'), 1n);
    await settle();
    expect(handler.started).toEqual(['r0', 'r1', 'r1 again']);
    await handler.release('r0', 'r1');
    expect(commits).toEqual([]); // the old copies commit nothing
    expect(handler.started).toEqual(['r0', 'r1', 'r1 again', 'r0 again']);
    await handler.release('r1 again', 'r0 again');
    expect(commits).toEqual([2n]);
  });
});

/** A valid cancel record; `text` is told apart through its message id. */
function controlRecord(sessionId: string, text: string): TransportRecord {
  const envelope = createEnvelope({ sessionId, messageId: `m-${text}`, correlationId: `c-${text}`, payload: { type: 'cancel' as const } });
  envelope.sentAt = nowMs();
  return { topic: TOPICS.control, key: sessionId, value: JSON.stringify(envelope), headers: { [CORRELATION_HEADER]: envelope.correlationId } };
}
