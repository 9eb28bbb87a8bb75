import { ChatClient, createSession } from '../support/chat-client';
import { deleteRelayTopics, startKafka } from '../support/kafka-cluster';
import { RelayApps, startRelayApps } from '../support/relay-process';

// Overload that is honest: 200 chats at once into one LLM worker that can answer only some of them before their
// deadline. The gateway, from the worker's measured pace (llm.capacity reports), refuses at once with BUSY and an
// estimate those it could not answer in time, and every chat it accepts is answered before its deadline. Before
// admission by estimate (OVERLOAD_ADMISSION_ESTIMATE=false runs this file that way) all 200 were accepted and most
// ended EXPIRED after waiting the whole deadline.
const CHATS = 200;
const WARM_UP_CHATS = 12;
const DEADLINE_MS = Number(process.env.OVERLOAD_DEADLINE_MS ?? 30_000);
const ADMISSION_ESTIMATE = process.env.OVERLOAD_ADMISSION_ESTIMATE ?? 'true';
// The default margin is 0.2; on this test's machine (2 cores shared by several engineers' jobs) the model's pace was
// seen to halve within seconds as other jobs started, so the test keeps 40% of the deadline in reserve.
const MARGIN = 0.4;
// The estimate follows the worker's measured pace, but the machine is shared: a slower stretch after a chat was
// accepted can make a few answers late. Up to 5% of the accepted (at least 1) may end past their deadline (EXPIRED
// or late). Measured at load 10–19 on 2 cores: 16 and 25 accepted, all in time (docs/benchmarks.md).
const LATE_TOLERANCE = 0.05;
// A refusal is said without queueing anything: far sooner than any answer.
const REFUSAL_WITHIN_MS = 5_000;

interface Outcome {
  sentAt: number;
  ackMs: number;
  ok: boolean;
  code?: string;
  estimatedWaitMs?: number;
  retryAfterMs?: number;
  messageId?: string;
  endedMs?: number;
  ending?: 'done' | string;
}

describe('distributed mode: 200 chats into one LLM worker', () => {
  let apps: RelayApps | undefined;

  beforeAll(async () => {
    const brokers = startKafka(1);
    await deleteRelayTopics(brokers);
    apps = await startRelayApps(
      {
        TRANSPORT: 'kafka',
        KAFKA_BROKERS: brokers,
        KAFKA_TOPIC_PARTITIONS: '12',
        SEED_KNOWLEDGE_BASE: 'false',
        RELEVANCE_GATE: 'false',
        LLM_MAX_TOKENS: '16',
        LLM_PARALLEL: '2',
        ANSWER_DEADLINE_MS: String(DEADLINE_MS),
        ADMISSION_ESTIMATE: ADMISSION_ESTIMATE,
        ADMISSION_MARGIN: String(MARGIN),
        CAPACITY_REPORT_MS: '500',
        // 200 sessions, sockets and sends from one address in a few seconds: the flood limits are not under test here.
        SESSION_CREATE_BURST: '1000',
        CLIENT_RATE_BURST: '10000',
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
      },
      { gateways: 1, pipelines: 1, llmWorkers: 1 },
    );
  }, 240_000);

  afterAll(async () => {
    await Promise.all((apps?.all ?? []).map((p) => p.stop()));
  }, 60_000);

  it('refuses at once with BUSY and an estimate the chats it cannot answer in time, and answers every accepted one before its deadline', async () => {
    const gateway = apps!.gateways[0];
    // The worker measures its pace on its first answers (before any, nothing is refused by estimate): a few at once,
    // so it measures them as it works under load, a queue and the pipeline busy beside it.
    const warm = await Promise.all(
      Array.from({ length: WARM_UP_CHATS }, async () => {
        const session = await createSession(gateway.baseUrl);
        return { sessionId: session.sessionId, client: await ChatClient.connect(gateway.baseUrl, session.token) };
      }),
    );
    try {
      const answers = await Promise.all(warm.map(({ sessionId, client }, i) => client.ask(sessionId, `Warm-up ${i}: what is Relay?`, undefined, 120_000)));
      for (const a of answers) expect(a.done).toBeDefined();
    } finally {
      warm.forEach(({ client }) => client.close());
    }
    await new Promise((r) => setTimeout(r, 1_500)); // a capacity report with the measured pace reaches the gateway

    const chats: Array<{ sessionId: string; client: ChatClient }> = [];
    for (let i = 0; i < CHATS; i += 20) {
      chats.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(20, CHATS - i) }, async () => {
            const session = await createSession(gateway.baseUrl);
            return { sessionId: session.sessionId, client: await ChatClient.connect(gateway.baseUrl, session.token) };
          }),
        )),
      );
    }
    try {
      const outcomes: Outcome[] = await Promise.all(
        chats.map(async ({ sessionId, client }, i) => {
          const sentAt = Date.now();
          const ack = await client.send(sessionId, `Question ${i}: what does Relay do?`);
          const ackMs = Date.now() - sentAt;
          if (!ack.ok) return { sentAt, ackMs, ok: false, code: ack.error.code, estimatedWaitMs: ack.error.estimatedWaitMs, retryAfterMs: ack.error.retryAfterMs };
          return { sentAt, ackMs, ok: true, messageId: ack.messageId };
        }),
      );
      const accepted = outcomes.filter((o) => o.ok);
      // Every accepted chat ends (done or an error) well within its deadline plus slack, or the client was left silent.
      await Promise.all(
        accepted.map(async (o) => {
          const { client } = chats[outcomes.indexOf(o)];
          await client.waitFor(() => client.finished(o.messageId!), DEADLINE_MS + 60_000).catch(() => undefined);
          const answer = client.answerFor(o.messageId!);
          const at = client.timeline.find((e) => e.messageId === o.messageId && (e.type === 'chat:done' || e.type === 'chat:error'))?.at;
          if (answer.done) Object.assign(o, { ending: 'done', endedMs: at! - o.sentAt });
          else if (answer.error) Object.assign(o, { ending: answer.error.code, endedMs: at! - o.sentAt });
        }),
      );

      const refused = outcomes.filter((o) => !o.ok);
      const answeredInTime = accepted.filter((o) => o.ending === 'done' && o.endedMs! <= DEADLINE_MS);
      const late = accepted.filter((o) => o.ending === 'done' && o.endedMs! > DEADLINE_MS);
      const expired = accepted.filter((o) => o.ending === 'EXPIRED');
      const otherErrors = accepted.filter((o) => o.ending !== undefined && o.ending !== 'done' && o.ending !== 'EXPIRED');
      const silent = accepted.filter((o) => o.ending === undefined);
      const busyAcks = refused.map((o) => o.ackMs).sort((a, b) => a - b);
      const firstRefusal = refused.sort((a, b) => a.sentAt + a.ackMs - (b.sentAt + b.ackMs))[0];
      // Figures for docs/benchmarks.md.
      console.log(
        JSON.stringify({
          admissionEstimate: ADMISSION_ESTIMATE,
          deadlineMs: DEADLINE_MS,
          chats: CHATS,
          accepted: accepted.length,
          refused: refused.length,
          answeredInTime: answeredInTime.length,
          late: late.length,
          expired: expired.length,
          otherErrors: otherErrors.length,
          silent: silent.length,
          busyAckP50Ms: busyAcks[Math.floor(busyAcks.length / 2)] ?? null,
          busyAckMaxMs: busyAcks.at(-1) ?? null,
          firstRefusalEstimateMs: firstRefusal?.estimatedWaitMs ?? null,
          lastAcceptedAnsweredMs: Math.max(0, ...accepted.filter((o) => o.ending === 'done').map((o) => o.endedMs!)),
          acceptedAnswerP50Ms: median(accepted.filter((o) => o.ending === 'done').map((o) => o.endedMs!)),
          // The pace the gateway estimated from (its first refusal's log line) against the pace the accepted chats had.
          estimatedAnswersPerSec: Number(/"answersPerSec":([0-9.]+)/.exec(gateway.output)?.[1] ?? NaN),
          actualAnswersPerSec: answeredInTime.length + late.length === 0 ? 0 : (answeredInTime.length + late.length) / (Math.max(...accepted.filter((o) => o.ending === 'done').map((o) => o.endedMs!)) / 1000),
        }),
      );

      expect(silent).toEqual([]);
      expect(otherErrors).toEqual([]);
      expect(accepted.length).toBeGreaterThan(0);
      expect(refused.length).toBeGreaterThan(0);
      for (const o of refused) {
        expect(o.code).toBe('BUSY');
        expect(o.estimatedWaitMs).toBeGreaterThan(DEADLINE_MS * (1 - MARGIN));
        expect(o.retryAfterMs).toBeGreaterThanOrEqual(1000);
        expect(o.ackMs).toBeLessThan(REFUSAL_WITHIN_MS);
      }
      expect(late.length + expired.length).toBeLessThanOrEqual(Math.max(1, Math.floor(accepted.length * LATE_TOLERANCE)));
      expect(answeredInTime.length + late.length + expired.length).toBe(accepted.length);
    } finally {
      chats.forEach(({ client }) => client.close());
    }
  }, 420_000);
});

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
