import { Logger } from '@nestjs/common';
import { RelayMetrics } from '@relay/observability';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { Admin, Consumer, EachMessagePayload, IHeaders, Kafka, Partitioners, Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { ConcurrencyLimit } from '../delivery/concurrency-limit';
import { nestHandlerTarget, StageExtras } from '../delivery/nest-handler-target';
import { PartitionWorker } from '../delivery/partition-worker';
import { DeliveryTarget, RecordDispatcher } from '../delivery/record-dispatcher';
import { RetryPolicy } from '../delivery/retry-policy';
import { concurrencyOf, StageConcurrency } from '../delivery/stage-concurrency';
import { ConsumerLagReader } from './consumer-lag';
import { createKafka } from './kafka-client-factory';
import { ensureTopics } from './kafka-topics';
import type { KafkaConfig } from './kafka.config';

export const KAFKA_TRANSPORT = Symbol('KAFKA_TRANSPORT');

/** Longest start-up waits for a consumer group's first join before going on (and reporting ready) anyway. */
const JOIN_TIMEOUT_MS = 30_000;

interface PartitionWork {
  consumer: Consumer;
  topic: string;
  partition: number;
  worker: PartitionWorker;
}

/** Longest a SIGTERM waits for the records in hand (within the app's 25 s shutdown deadline). */
const SHUTDOWN_GRACE_MS = 15_000;

/**
 * Relay's Kafka transport for Nest microservices, on kafkajs. Unlike Nest's built-in Kafka server it never holds
 * the fetch loop: each record is handed to its partition's PartitionWorker and the fetch returns at once, so a long
 * handler (an LLM generation) neither blocks other partitions nor starves heartbeats (kafkajs #447). Within a
 * partition, records of different keys (sessions) run side by side, up to the stage's concurrency, and a key's
 * records strictly in order; the offset committed is the end of the gap-free handled prefix (at-least-once: a crash
 * delivers again whatever was not handled, never skips it); a partition with too many records held is paused. Every
 * record goes through the RecordDispatcher, so validation, retries and the dead-letter topic behave exactly as in
 * the embedded default.
 */
export class KafkaServer extends Server implements CustomTransportStrategy {
  override readonly transportId = KAFKA_TRANSPORT;
  private readonly log = new Logger('KafkaTransport');
  private readonly kafka: Kafka;
  private readonly consumers: Consumer[] = [];
  private readonly limits = new Map<Consumer, ConcurrencyLimit>();
  /** Names each consumer's partition work; never reused, since a restarted group gets a new consumer. */
  private readonly consumerIds = new Map<Consumer, number>();
  private nextConsumerId = 0;
  private readonly work = new Map<string, PartitionWork>();
  private producer?: Producer;
  private dispatcher?: RecordDispatcher;
  private listening = false;
  /** Consumer groups whose consumer crashed for good and is being started again. */
  private readonly stopped = new Set<string>();
  private closing = false;

  constructor(
    private readonly config: KafkaConfig,
    private readonly retry: RetryPolicy,
    /** The app's name, which names its consumer groups. */
    private readonly app: string,
    /** Records of different sessions each stage handles at once in this process. */
    private readonly concurrency: StageConcurrency,
    private readonly instanceId = randomUUID().slice(0, 8),
    private readonly metrics: RelayMetrics = new RelayMetrics({ enabled: false }),
  ) {
    super();
    this.kafka = createKafka(config, `${config.KAFKA_CLIENT_ID}-${app}`);
  }

  /** Ready while every consumer group runs. */
  get isListening(): boolean {
    return this.listening && this.stopped.size === 0;
  }

  listen(callback: (err?: unknown) => void): void {
    this.start().then(() => callback(), callback);
  }

  private closed?: Promise<void>;

  /** Idempotent: the app closes its transport first on SIGTERM, and Nest closes it again with the app. */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    this.listening = false;
    // Stop fetching and starting records, let the records in hand finish and their offsets be committed, then leave
    // the groups cleanly (kafkajs #701). A longer generation is handed back (uncommitted) to another worker.
    for (const w of this.work.values()) {
      w.worker.stop();
      w.consumer.pause([{ topic: w.topic, partitions: [w.partition] }]);
    }
    const grace = new Promise<'late'>((r) => setTimeout(() => r('late'), SHUTDOWN_GRACE_MS).unref());
    const settled = Promise.all([...this.work.values()].map((w) => w.worker.settled()));
    if ((await Promise.race([settled, grace])) === 'late') this.log.warn({ msg: `records still in hand after ${SHUTDOWN_GRACE_MS} ms; leaving them uncommitted` });
    await Promise.allSettled(this.consumers.map((c) => c.disconnect()));
    await this.producer?.disconnect().catch(() => undefined);
    await this.lagAdmin?.then((admin) => admin.disconnect()).catch(() => undefined);
  }

  on(): void {
    // Connection problems surface through readiness and logs.
  }

  unwrap<T>(): T {
    return this.kafka as T;
  }

  private async start(): Promise<void> {
    const groups = new Map<string, Map<string, DeliveryTarget>>();
    for (const [topic, handler] of this.getHandlers()) {
      const extras = (handler.extras ?? {}) as StageExtras;
      // A group per stage, not per app: replicas running different PIPELINE_STAGES would otherwise share a group
      // whose leader assigns only the topics it subscribes to, leaving the others' partitions unread.
      const groupId =
        extras.delivery === 'every-replica'
          ? `${this.config.KAFKA_GROUP_PREFIX}-${this.app}-${this.instanceId}`
          : `${this.config.KAFKA_GROUP_PREFIX}-${extras.stage ?? this.app}`;
      if (!groups.has(groupId)) groups.set(groupId, new Map());
      groups.get(groupId)!.set(topic, nestHandlerTarget(topic, handler, (result) => this.transformToObservable(result)));
    }
    const admin = this.kafka.admin();
    await retryStartup(() => admin.connect(), 5, (a) => 500 * 2 ** a, (err, attempt) => this.log.warn({ msg: 'Kafka admin could not connect yet; retrying', attempt, err: err.message }));
    try {
      const created = await ensureTopics(admin, this.config.KAFKA_TOPIC_PARTITIONS, this.config.KAFKA_REPLICATION_FACTOR);
      if (created.length) this.log.log({ msg: 'created topics', topics: created });
      // A private group reads from now on. Its start is committed before it first joins: a group with no committed
      // offset on a partition would jump to that partition's end on every later rejoin (a broker failing over, a
      // restarted consumer) and silently skip what was written meanwhile, e.g. the answers of a partition that had
      // carried none yet. With a commit everywhere, every rejoin resumes where the group was.
      for (const [groupId, targets] of groups) {
        if (groupId.endsWith(this.instanceId)) await this.commitCurrentEnds(admin, groupId, [...targets.keys()]);
      }
    } finally {
      await admin.disconnect();
    }

    // Dead letters are written by this server's own producer. No client-level retry on an idempotent producer.
    this.producer = createKafka(this.config, `${this.config.KAFKA_CLIENT_ID}-${this.app}-dlq`, { retry: false }).producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await retryStartup(() => this.producer!.connect(), 5, (a) => 500 * 2 ** a, (err, attempt) => this.log.warn({ msg: 'dead-letter producer could not connect yet; retrying', attempt, err: err.message }));
    const producer = this.producer;
    this.dispatcher = new RecordDispatcher(
      this.retry,
      async (record) => {
        await producer.send({ topic: record.topic, acks: -1, messages: [{ key: record.key, value: record.value, headers: record.headers }] });
      },
      { warn: (obj, msg) => this.log.warn({ ...obj, msg }), error: (obj, msg) => this.log.error({ ...obj, msg }) },
      this.metrics,
    );

    // Consumer lag of every stage's group, read from the admin API when Prometheus scrapes (its own connection).
    const lag = new ConsumerLagReader(() => this.connectedLagAdmin(), this.config.KAFKA_GROUP_PREFIX);
    this.metrics.observeConsumerLag(() => lag.read());

    // Ready only once every group has joined: a gateway that answered ready before its chat.responses group joined
    // would miss the answers to the first messages it accepted.
    await Promise.all([...groups].map(([groupId, targets]) => this.consume(groupId, targets)));
    this.listening = true;
  }

  private lagAdmin?: Promise<Admin>;

  private connectedLagAdmin(): Promise<Admin> {
    if (this.closing) return Promise.reject(new Error('closing'));
    this.lagAdmin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })();
    // A failed connection is tried again at the next scrape.
    return this.lagAdmin.catch((err: unknown) => {
      this.lagAdmin = undefined;
      throw err;
    });
  }

  private async commitCurrentEnds(admin: Admin, groupId: string, topics: string[]): Promise<void> {
    for (const topic of topics) {
      // Topics created a moment ago answer "not the leader" until their leaders are elected: retry a while.
      await retryStartup(
        async () => {
          const ends = await admin.fetchTopicOffsets(topic);
          await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
        },
        13,
        (a) => Math.min(2000, 100 * 2 ** a),
        (err) => this.log.warn({ msg: 'could not commit the start of a private group yet; retrying', groupId, topic, err: err.message }),
      );
    }
  }

  private async consume(groupId: string, targets: Map<string, DeliveryTarget>, attempt = 0): Promise<void> {
    const everyReplica = groupId.endsWith(this.instanceId);
    // One limit per group, shared by its partitions: a group is one stage (or one process's private topics).
    const concurrency = Math.max(...[...targets.values()].map((t) => concurrencyOf(this.concurrency, t.stage)));
    const consumer = this.kafka.consumer({
      groupId,
      sessionTimeout: this.config.KAFKA_SESSION_TIMEOUT_MS,
      heartbeatInterval: this.config.KAFKA_HEARTBEAT_INTERVAL_MS,
      maxWaitTimeInMs: this.config.KAFKA_MAX_WAIT_MS,
      allowAutoTopicCreation: false,
    });
    this.consumers.push(consumer);
    this.limits.set(consumer, new ConcurrencyLimit(concurrency));
    this.consumerIds.set(consumer, this.nextConsumerId++);
    try {
      await consumer.connect();
      // A replica's private group starts where commitCurrentEnds put it (the end when it started); a shared group
      // without commits (a new deployment) reads everything retained.
      await consumer.subscribe({ topics: [...targets.keys()], fromBeginning: !everyReplica });
    } catch (err) {
      await this.forget(consumer);
      throw err;
    }
    // kafkajs restarts a consumer after a retriable crash only. After any other (e.g. "Failed to find group
    // coordinator" while a broker restarts) it stays stopped for good, so this server starts it again itself, with
    // backoff, and reports not ready meanwhile rather than reading nothing while looking healthy.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.closing) return;
      this.log.error({ msg: 'Kafka consumer stopped; starting it again', groupId, attempt, err: payload.error.message });
      this.stopped.add(groupId);
      void this.restartConsumer(consumer, groupId, targets, attempt + 1);
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      // After a rebalance the group resumes from committed offsets: drop what we buffered, it comes again.
      for (const w of this.work.values()) if (w.consumer === consumer) w.worker.reset();
    });
    const joined = new Promise<void>((resolve) => {
      const stop = consumer.on(consumer.events.GROUP_JOIN, () => (stop(), resolve()));
    });
    await consumer.run({
      autoCommit: false,
      // eachMessage only hands the record over, so kafkajs's own concurrency adds nothing; the workers provide it.
      partitionsConsumedConcurrently: 1,
      eachMessage: async (payload) => this.enqueue(consumer, payload, targets.get(payload.topic)),
    });
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), JOIN_TIMEOUT_MS).unref());
    if ((await Promise.race([joined, timeout])) === 'timeout') {
      this.log.warn({ msg: `consumer group not joined after ${JOIN_TIMEOUT_MS} ms; going on`, groupId });
    }
  }

  private async restartConsumer(old: Consumer, groupId: string, targets: Map<string, DeliveryTarget>, attempt: number): Promise<void> {
    await this.forget(old);
    for (;;) {
      await new Promise((r) => setTimeout(r, Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5))));
      if (this.closing) return;
      try {
        await this.consume(groupId, targets, attempt);
        this.stopped.delete(groupId);
        this.log.log({ msg: 'Kafka consumer running again', groupId });
        return;
      } catch (err) {
        this.log.error({ msg: 'Kafka consumer could not start; retrying', groupId, attempt, err: (err as Error).message });
        attempt++;
      }
    }
  }

  /** Disconnects a consumer and drops its buffered work (uncommitted, so it is delivered again). */
  private async forget(consumer: Consumer): Promise<void> {
    await consumer.disconnect().catch(() => undefined);
    const i = this.consumers.indexOf(consumer);
    if (i >= 0) this.consumers.splice(i, 1);
    this.limits.delete(consumer);
    this.consumerIds.delete(consumer);
    for (const [key, w] of this.work) {
      if (w.consumer !== consumer) continue;
      // What it fetched and did not start comes again through the consumer that replaces it.
      w.worker.stop();
      this.work.delete(key);
    }
  }

  private enqueue(consumer: Consumer, { topic, partition, message }: EachMessagePayload, target: DeliveryTarget | undefined): void {
    if (this.closing) return;
    const name = `${topic}/${partition}/${this.consumerIds.get(consumer)}`;
    let w = this.work.get(name);
    if (!w) {
      const dispatcher = this.dispatcher!;
      const worker = new PartitionWorker({
        limit: this.limits.get(consumer)!,
        // The dispatcher never throws: a record that keeps failing ends in chat.dlq and its offset is committed.
        handle: (record) => dispatcher.dispatch(record, target),
        commit: async (next) => {
          await consumer.commitOffsets([{ topic, partition, offset: next.toString() }]);
        },
        onCommitError: (err) => this.log.warn({ msg: 'commit failed; records may be handled again', topic, partition, err: err.message }),
        buffer: {
          max: this.config.KAFKA_MAX_BUFFERED_PER_PARTITION,
          pause: () => consumer.pause([{ topic, partitions: [partition] }]),
          resume: () => consumer.resume([{ topic, partitions: [partition] }]),
        },
      });
      w = { consumer, topic, partition, worker };
      this.work.set(name, w);
    }
    w.worker.push(
      { topic, key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', headers: recordHeadersOf(message.headers) },
      BigInt(message.offset),
    );
  }
}

/** A Kafka record's headers (Buffers, as kafkajs hands them over) as the strings a TransportRecord carries. */
export function recordHeadersOf(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) out[k] = Array.isArray(v) ? String(v[0]) : v.toString();
  return out;
}

/** Retries a start-up step (a connect, a first request to new topics): a broker slow to answer must not stop the process. */
async function retryStartup(step: () => Promise<void>, attempts: number, delayMs: (attempt: number) => number, onRetry: (err: Error, attempt: number) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (attempt >= attempts) throw err;
      onRetry(err as Error, attempt);
      await new Promise((r) => setTimeout(r, delayMs(attempt)));
    }
  }
}
