import { DEAD_LETTER_HEADERS, TOPICS } from '@relay/contracts';
import { Kafka, logLevel } from 'kafkajs';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/**
 * The project's own Kafka (scripts/kafka.mjs): starts 1 or 3 KRaft nodes, or does nothing if they already run.
 * Returns the bootstrap list it printed (KAFKA_PORT moves the single node, e.g. beside another run).
 */
export function startKafka(nodes: 1 | 3 = 1): string {
  const out = execFileSync(process.execPath, [join(ROOT, 'scripts/kafka.mjs'), 'start', '--nodes', String(nodes)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  const line = out.split('\n').find((l) => l.startsWith('KAFKA_BROKERS='));
  if (!line) throw new Error(`scripts/kafka.mjs start printed no KAFKA_BROKERS line:\n${out}`);
  return line.slice('KAFKA_BROKERS='.length).trim();
}

export function stopKafka(options: { clean?: boolean } = {}): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts/kafka.mjs'), 'stop', ...(options.clean ? ['--clean'] : [])], { stdio: 'inherit' });
}

/** Ends one node of the running cluster the way a crash would (SIGKILL), by the pid file the script keeps. */
export function killKafkaNode(nodeId: number): void {
  const home = resolve(ROOT, process.env.KAFKA_CACHE_DIR ?? '.cache/kafka');
  const pid = Number(readFileSync(join(home, 'run', `node-${nodeId}.pid`), 'utf8').trim());
  process.kill(pid, 'SIGKILL');
}

function kafkaOf(brokers: string): Kafka {
  return new Kafka({ clientId: 'relay-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
}

/** Deletes Relay's topics so a test starts from empty partitions and no committed offsets of earlier runs. */
export async function deleteRelayTopics(brokers: string): Promise<void> {
  const admin = kafkaOf(brokers).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const topics: string[] = Object.values(TOPICS).filter((t) => existing.has(t));
    if (topics.length) await admin.deleteTopics({ topics, timeout: 30_000 });
    for (let i = 0; i < 150 && (await admin.listTopics()).some((t) => topics.includes(t)); i++) await new Promise((r) => setTimeout(r, 200));
    // Groups keep offsets of deleted topics' namesakes on some brokers: drop Relay's groups too.
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith('relay-'));
    if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

/** Writes one record straight onto a topic, bypassing every Relay producer. */
export async function produceRaw(brokers: string, topic: string, key: string, value: string): Promise<void> {
  const producer = kafkaOf(brokers).producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key, value }] });
  } finally {
    await producer.disconnect();
  }
}

export interface DeadLetter {
  key: string;
  value: string;
  reason: string;
  topic: string;
  stage: string;
  attempts: number;
}

/** Reads chat.dlq from the beginning until `done` holds for what was read, or the timeout passes. */
export async function readDeadLetters(brokers: string, done: (letters: DeadLetter[]) => boolean, timeoutMs = 60_000): Promise<DeadLetter[]> {
  const consumer = kafkaOf(brokers).consumer({ groupId: `relay-test-dlq-${Date.now()}-${Math.random()}`, maxWaitTimeInMs: 100 });
  const letters: DeadLetter[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPICS.deadLetters, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const header = (name: string) => message.headers?.[name]?.toString() ?? '';
        letters.push({
          key: message.key?.toString() ?? '',
          value: message.value?.toString() ?? '',
          reason: header(DEAD_LETTER_HEADERS.reason),
          topic: header(DEAD_LETTER_HEADERS.topic),
          stage: header(DEAD_LETTER_HEADERS.stage),
          attempts: Number(header(DEAD_LETTER_HEADERS.attempts)),
        });
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (!done(letters) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    return [...letters];
  } finally {
    await consumer.disconnect();
  }
}
