import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { KafkaKeyedLogReader, kafkaConfigSchema } from '@relay/transport';
import { startKafka } from '../support/kafka-cluster';

// The adapter behind chat:resume on any gateway, on the real broker: it must find a key's partition exactly as the
// producers chose it, start at the right time, stop where told, and leave no consumer group behind.
describe('KafkaKeyedLogReader on a real broker', () => {
  const topic = `relay-test-log-reader-${Date.now()}`;
  let kafka: Kafka;
  let reader: KafkaKeyedLogReader;
  let between = 0;

  beforeAll(async () => {
    const brokers = startKafka(1);
    kafka = new Kafka({ clientId: 'relay-test-log-reader', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 6, replicationFactor: 1 }] });
    await admin.disconnect();
    // Twenty keys spread over the six partitions, five records each: three before `between`, two after.
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const write = (from: number, to: number) =>
      producer.send({ topic, acks: -1, messages: Array.from({ length: 20 }, (_, k) => Array.from({ length: to - from }, (_, i) => ({ key: `k${k}`, value: `k${k}:${from + i}` }))).flat() });
    await write(0, 3);
    await new Promise((r) => setTimeout(r, 100));
    between = Date.now();
    await new Promise((r) => setTimeout(r, 100));
    await write(3, 5);
    await producer.disconnect();
    reader = new KafkaKeyedLogReader(kafkaConfigSchema.parse({ KAFKA_BROKERS: brokers }), 'test');
  }, 120_000);

  afterAll(async () => {
    await reader?.close();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  const values = (r: { records: Array<{ value: string }> }) => r.records.map((x) => x.value);
  const options = { sinceMs: 0, maxRecords: 10_000, timeoutMs: 20_000 };

  it("reads one key's records in order, from its own partition only", async () => {
    for (const key of ['k0', 'k7', 'k19']) {
      const read = await reader.read(topic, key, options);
      expect(values(read)).toEqual([0, 1, 2, 3, 4].map((i) => `${key}:${i}`));
      expect(read.ended).toBe('end');
      // Its partition holds other keys too (20 keys on 6 partitions), and none of them is returned.
      expect(read.scanned).toBeGreaterThan(5);
      expect(read.scanned).toBeLessThan(100);
    }
    expect(values(await reader.read(topic, 'no-such-key', options))).toEqual([]);
  });

  it('starts at the first record written at or after sinceMs, and stops where told or at the scan limit', async () => {
    expect(values(await reader.read(topic, 'k3', { ...options, sinceMs: between }))).toEqual(['k3:3', 'k3:4']);
    expect(await reader.read(topic, 'k3', { ...options, sinceMs: Date.now() + 60_000 })).toEqual({ records: [], ended: 'end', scanned: 0 });
    const stopped = await reader.read(topic, 'k3', { ...options, stop: (r) => r.value === 'k3:1' });
    expect([stopped.ended, values(stopped)]).toEqual(['stopped', ['k3:0', 'k3:1']]);
    const limited = await reader.read(topic, 'k3', { ...options, maxRecords: 2 });
    expect(limited.ended).toBe('limit');
    expect(limited.scanned).toBe(2);
  });

  it('leaves none of its consumer groups on the broker', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
      expect(groups.filter((g) => g.startsWith('relay-log-reader-'))).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });
});
