import { BusyError } from '@relay/contracts';
import type { TransportRecord } from '../transport-record';
import { InProcessBroker, partitionOf } from './in-process-broker';

const record = (key: string, value: string, topic = 't'): TransportRecord => ({ topic, key, value, headers: {} });

/** Lets every pending setImmediate and promise continuation run. */
const settle = async (turns = 5) => {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('InProcessBroker', () => {
  it('handles records of one key strictly in order while different keys run concurrently, even within one partition', async () => {
    const partitions = 2;
    const concurrency = 6;
    const broker = new InProcessBroker({ partitions, capacity: 10_000, concurrency });
    const seen = new Map<string, number[]>();
    const busyKeys = new Set<string>();
    const busyPerPartition = new Map<number, number>();
    let sameKeyOverlap = false;
    let maxInOnePartition = 0;
    let concurrent = 0;
    let maxConcurrent = 0;

    broker.subscribe('t', 'g', async (r) => {
      const p = partitionOf(r.key, partitions);
      if (busyKeys.has(r.key)) sameKeyOverlap = true;
      busyKeys.add(r.key);
      busyPerPartition.set(p, (busyPerPartition.get(p) ?? 0) + 1);
      maxInOnePartition = Math.max(maxInOnePartition, busyPerPartition.get(p)!);
      maxConcurrent = Math.max(maxConcurrent, ++concurrent);
      // A varying number of event-loop turns, so handlers finish out of publication order.
      const [, n] = r.value.split(':').map(Number);
      for (let i = 0; i < ((n * 7 + r.key.length) % 4) + 1; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      const list = seen.get(r.key) ?? [];
      list.push(Number(r.value.split(':')[1]));
      seen.set(r.key, list);
      concurrent--;
      busyPerPartition.set(p, busyPerPartition.get(p)! - 1);
      busyKeys.delete(r.key);
    });

    const keys = Array.from({ length: 24 }, (_, i) => `session-${i}`);
    const perKey = 15;
    // Interleave publications across keys, as many sockets would.
    await Promise.all(
      Array.from({ length: perKey }, (_, n) => n).flatMap((n) => keys.map((k) => broker.publish(record(k, `${k}:${n}`), 'wait'))),
    );
    await broker.idle();

    expect(seen.size).toBe(keys.length);
    for (const k of keys) expect(seen.get(k)).toEqual(Array.from({ length: perKey }, (_, n) => n));
    expect(sameKeyOverlap).toBe(false);
    // Several sessions of one partition at once: a partition no longer serialises its sessions.
    expect(maxInOnePartition).toBeGreaterThan(1);
    expect(maxConcurrent).toBe(concurrency);
  });

  it("bounds each group's concurrency by its subscription, whatever the partitions", async () => {
    const broker = new InProcessBroker({ partitions: 1, capacity: 100, concurrency: 64 });
    const release = gate();
    let running = 0;
    let peak = 0;
    const consume = async () => {
      peak = Math.max(peak, ++running);
      await release.opened;
      running--;
    };
    broker.subscribe('t', 'llm', consume, { concurrency: 3 });
    for (let i = 0; i < 10; i++) await broker.publish(record(`k${i}`, String(i)), 'wait');
    await settle();
    expect(running).toBe(3);
    release.open();
    await broker.idle();
    expect(peak).toBe(3);
  });

  it("throws BusyError at once with whenFull 'reject' when the topic is at capacity", async () => {
    const broker = new InProcessBroker({ partitions: 2, capacity: 2 });
    const release = gate();
    broker.subscribe('t', 'g', () => release.opened);

    await broker.publish(record('a', '1'), 'reject');
    await broker.publish(record('a', '2'), 'reject');
    await expect(broker.publish(record('a', '3'), 'reject')).rejects.toBeInstanceOf(BusyError);
    await expect(broker.publish(record('b', '4'), 'reject')).rejects.toMatchObject({ code: 'BUSY' });
    expect(broker.depth('t')).toBe(2);

    release.open();
    await broker.idle();
    expect(broker.depth('t')).toBe(0);
    await expect(broker.publish(record('a', '5'), 'reject')).resolves.toBeUndefined();
    await broker.idle();
  });

  it("with whenFull 'wait' resolves only once space frees, then delivers the record", async () => {
    const broker = new InProcessBroker({ partitions: 1, capacity: 1 });
    const release = gate();
    const handled: string[] = [];
    broker.subscribe('t', 'g', async (r) => {
      await release.opened;
      handled.push(r.value);
    });

    await broker.publish(record('a', 'first'), 'wait');
    let resolved = false;
    const waiting = broker.publish(record('a', 'second'), 'wait').then(() => (resolved = true));
    await settle();
    expect(resolved).toBe(false);

    release.open();
    await waiting;
    expect(resolved).toBe(true);
    await broker.idle();
    expect(handled).toEqual(['first', 'second']);
  });

  it('counts records published before any subscriber toward capacity', async () => {
    const broker = new InProcessBroker({ partitions: 2, capacity: 1 });
    await broker.publish(record('a', '1'), 'reject');
    await expect(broker.publish(record('a', '2'), 'reject')).rejects.toBeInstanceOf(BusyError);
  });

  it('delivers records published before any subscriber, in order, once one subscribes', async () => {
    const broker = new InProcessBroker({ partitions: 3, capacity: 100 });
    for (let i = 0; i < 5; i++) await broker.publish(record('k', String(i)), 'wait');
    await settle();
    expect(broker.depth('t')).toBe(5);

    const handled: string[] = [];
    broker.subscribe('t', 'g', async (r) => {
      handled.push(r.value);
    });
    await broker.idle();
    expect(handled).toEqual(['0', '1', '2', '3', '4']);
  });

  it('gives every consumer group every record', async () => {
    const broker = new InProcessBroker({ partitions: 4, capacity: 100 });
    const byGroup: Record<string, string[]> = { one: [], two: [] };
    broker.subscribe('t', 'one', async (r) => void byGroup.one.push(r.value));
    broker.subscribe('t', 'two', async (r) => void byGroup.two.push(r.value));

    const values = ['a1', 'b1', 'a2', 'c1', 'b2'];
    for (const v of values) await broker.publish(record(v[0], v), 'wait');
    await broker.idle();

    expect([...byGroup.one].sort()).toEqual([...values].sort());
    expect([...byGroup.two].sort()).toEqual([...values].sort());
  });

  it('refuses a second subscription of the same group to a topic', () => {
    const broker = new InProcessBroker({ partitions: 1, capacity: 1 });
    broker.subscribe('t', 'g', async () => undefined);
    expect(() => broker.subscribe('t', 'g', async () => undefined)).toThrow(/already subscribed/);
  });

  it('only delivers a record to subscribers of its own topic', async () => {
    const broker = new InProcessBroker({ partitions: 1, capacity: 10 });
    const handled: string[] = [];
    broker.subscribe('t', 'g', async (r) => void handled.push(r.value));
    broker.subscribe('other', 'g', async (r) => void handled.push(`other:${r.value}`));
    await broker.publish(record('k', 'x', 'other'), 'wait');
    await broker.idle();
    expect(handled).toEqual(['other:x']);
  });

  it('keeps handling a partition after its consumer throws', async () => {
    const broker = new InProcessBroker({ partitions: 1, capacity: 10 });
    const handled: string[] = [];
    broker.subscribe('t', 'g', async (r) => {
      if (r.value === 'bad') throw new Error('boom');
      handled.push(r.value);
    });
    await broker.publish(record('k', 'one'), 'wait');
    await broker.publish(record('k', 'bad'), 'wait');
    await broker.publish(record('k', 'two'), 'wait');
    await broker.idle();
    expect(handled).toEqual(['one', 'two']);
    expect(broker.depth('t')).toBe(0);
  });

  it('idle() resolves only after every accepted record has been handled', async () => {
    const broker = new InProcessBroker({ partitions: 2, capacity: 10 });
    const release = gate();
    let handled = 0;
    broker.subscribe('t', 'g', async () => {
      await release.opened;
      handled++;
    });
    await broker.publish(record('a', '1'), 'wait');
    await broker.publish(record('b', '2'), 'wait');

    let idle = false;
    const idled = broker.idle().then(() => (idle = true));
    await settle();
    expect(idle).toBe(false);

    release.open();
    await idled;
    expect(handled).toBe(2);
  });

  it('idle() resolves at once when nothing is queued', async () => {
    const broker = new InProcessBroker({ partitions: 1, capacity: 1 });
    await expect(broker.idle()).resolves.toBeUndefined();
  });

  it('close() waits for accepted records and then refuses new ones', async () => {
    const broker = new InProcessBroker({ partitions: 1, capacity: 10 });
    const release = gate();
    const handled: string[] = [];
    broker.subscribe('t', 'g', async (r) => {
      await release.opened;
      handled.push(r.value);
    });
    await broker.publish(record('a', '1'), 'wait');

    let closed = false;
    const closing = broker.close().then(() => (closed = true));
    await settle();
    expect(closed).toBe(false);
    await expect(broker.publish(record('a', '2'), 'wait')).rejects.toThrow(/closed/);

    release.open();
    await closing;
    expect(handled).toEqual(['1']);
  });
});

describe('partitionOf', () => {
  it('is 32-bit FNV-1a of the key, so it is stable across processes', () => {
    // Published FNV-1a 32-bit test vectors; 2^32 partitions exposes the raw hash.
    expect(partitionOf('', 2 ** 32)).toBe(0x811c9dc5);
    expect(partitionOf('a', 2 ** 32)).toBe(0xe40c292c);
    expect(partitionOf('foobar', 2 ** 32)).toBe(0xbf9cf968);
  });

  it('gives the same partition for the same key every time and stays in range', () => {
    for (let i = 0; i < 200; i++) {
      const key = `session-${i}`;
      const p = partitionOf(key, 8);
      expect(p).toBe(partitionOf(key, 8));
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(8);
    }
  });

  it('spreads keys over every partition', () => {
    const used = new Set(Array.from({ length: 500 }, (_, i) => partitionOf(`session-${i}`, 8)));
    expect(used.size).toBe(8);
  });
});
