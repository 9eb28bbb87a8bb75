import type { ChatChunkEvent, ChatDoneEvent, ChatErrorEvent } from '@relay/contracts';
import { TOPICS } from '@relay/contracts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatClient, createSession, Session } from '../support/chat-client';
import { deleteRelayTopics, produceRaw, readDeadLetters, startKafka, stopKafka } from '../support/kafka-cluster';
import { RelayProcess } from '../support/relay-process';

// Crashes and bad records in distributed mode, on a real single-node Kafka started by scripts/kafka.mjs: one
// gateway, two pipeline replicas and two LLM workers, each its own process with the real models.
// No client may go longer than this without a word (a status every STATUS_HEARTBEAT_MS while it waits for the model,
// the stage statuses before that, a restart notice when a worker died). What is left is the time the broker takes
// to hand a dead replica's partitions over: KAFKA_SESSION_TIMEOUT_MS plus the rebalance (docs/distributed.md).
const SILENCE_LIMIT_MS = 10_000;

interface Chat {
  session: Session;
  client: ChatClient;
  messageId?: string;
  sentAt: number;
}

describe('distributed mode: faults on a real broker', () => {
  let brokers: string;
  let gateway: RelayProcess;
  const pipelines: RelayProcess[] = [];
  const workers: RelayProcess[] = [];
  const all: RelayProcess[] = [];

  beforeAll(async () => {
    brokers = startKafka(1);
    await deleteRelayTopics(brokers);
    const env = {
      TRANSPORT: 'kafka',
      KAFKA_BROKERS: brokers,
      // The default. Each LLM worker takes every prompt of the partitions it holds (up to TRANSPORT_CONCURRENCY) and
      // generates LLM_PARALLEL (below) of them at once, whatever the number of partitions.
      KAFKA_TOPIC_PARTITIONS: '12',
      // A dead replica's partitions move to the survivors once its session times out: 2 s, which the dev broker
      // allows (group.min.session.timeout.ms=1000 in scripts/kafka.mjs; a default broker's floor is 6 s).
      KAFKA_SESSION_TIMEOUT_MS: '2000',
      KAFKA_HEARTBEAT_INTERVAL_MS: '500',
      // Short prompts (no sources clear this bar) and answers: the test is about delivery, not about the model, and
      // 50 chats must fit on 2 cores shared by five processes and the broker.
      RETRIEVER_MIN_SCORE: '0.99',
      // No knowledge base to index at start-up (two pipelines embedding all of docs/ took over 90 s on a loaded
      // machine), and no "not in your documents" short cut: every chat goes to an LLM worker, so killing one matters.
      SEED_KNOWLEDGE_BASE: 'false',
      RELEVANCE_GATE: 'false',
      LLM_MAX_TOKENS: '8',
      LLM_PARALLEL: '6',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
    };
    const start = async (entry: string, dataDir?: string) => {
      const p = await RelayProcess.start(env, dataDir, entry);
      all.push(p);
      return p;
    };
    gateway = await start('apps/gateway/src/main.js', mkdtempSync(join(tmpdir(), 'relay-gw-')));
    pipelines.push(...(await Promise.all([start('apps/pipeline/src/main.js'), start('apps/pipeline/src/main.js')])));
    workers.push(...(await Promise.all([start('apps/llm-worker/src/main.js'), start('apps/llm-worker/src/main.js')])));
  }, 300_000);

  afterAll(async () => {
    await Promise.all(all.map((p) => p.stop()));
  }, 60_000);

  it('answers every one of 50 concurrent chats, none silent for 10 s, no text twice, when a pipeline and an LLM worker are killed', async () => {
    const chats = await openChats(gateway, 50);
    try {
      await Promise.all(chats.map((chat, i) => send(chat, `Question ${i}: how does Relay stream an answer?`)));
      // Kill once answers are flowing (10 of 50 done), so both victims hold work in hand and uncommitted.
      await waitUntil(() => chats.filter(finished).length >= 10, 180_000);
      pipelines[0].kill();
      workers[0].kill();
      const killedAt = Date.now();

      await waitUntil(() => chats.every(finished), 240_000);
      const report = chats.map(inspect);
      const silences = report.map((r) => r.longestSilenceMs).sort((a, b) => a - b);
      // Figures for the record (docs/testing.md): how long chats waited, how many were restarted.
      console.log(
        JSON.stringify({
          chats: report.length,
          done: report.filter((r) => r.done).length,
          restarted: chats.filter((c) => c.client.restarts.length > 0).length,
          longestSilenceMs: { p50: silences[Math.floor(silences.length / 2)], p90: silences[Math.floor(silences.length * 0.9)], max: silences.at(-1) },
          // Where the longest silences ended: which word finally reached the client.
          silenceEndedBy: report.reduce<Record<string, number>>((n, r) => ((n[r.silenceEndedBy ?? 'none'] = (n[r.silenceEndedBy ?? 'none'] ?? 0) + 1), n), {}),
          silencesOver5s: report.filter((r) => r.longestSilenceMs > 5_000).map((r) => [r.longestSilenceMs, r.silenceEndedBy]),
          lastDoneAfterKillMs: Math.max(...report.map((r) => r.doneAt ?? 0)) - killedAt,
          firstDoneAfterSendMs: Math.min(...report.map((r, i) => (r.doneAt ?? Infinity) - chats[i].sentAt)),
          stagesP50: Object.fromEntries(
            (report[0].done?.timings.stages ?? []).map((st) => {
              const rows = report.map((r) => r.done?.timings.stages.find((x) => x.stage === st.stage)).filter((x) => x !== undefined);
              const p50 = (xs: number[]) => Math.round(xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]);
              return [st.stage, { queued: p50(rows.map((x) => x.queuedMs)), handled: p50(rows.map((x) => x.handledMs)) }];
            }),
          ),
        }),
      );
      const unanswered = report.filter((r) => !r.done && !r.error);
      expect(unanswered).toEqual([]);
      // A chat may end in a clear error only if it is one of the documented codes; here none is expected at all.
      expect(report.filter((r) => r.error).map((r) => r.error!.code)).toEqual([]);
      for (const r of report) {
        expect(r.longestSilenceMs).toBeLessThan(SILENCE_LIMIT_MS);
        // What the client shows since its last chat:restart is exactly the final text, each seq once and in order.
        expect(r.shown.map((c) => c.delta).join('')).toBe(r.done!.text);
        expect(r.shown.map((c) => c.seq)).toEqual(r.shown.map((_, n) => n));
      }
      // Some answers were still owed by the dead processes and had to be taken over.
      expect(report.filter((r) => r.doneAt! > killedAt).length).toBeGreaterThan(0);
    } finally {
      chats.forEach((c) => c.client.close());
    }
  }, 480_000);

  it('on SIGTERM an LLM worker and a pipeline finish what they hold, leave their groups and exit 0; no chat is lost', async () => {
    // Back to two of each (the first test killed one of each).
    await Promise.all([pipelines[0].restart(), workers[0].restart()]);
    const chats = await openChats(gateway, 12);
    try {
      await Promise.all(chats.map((chat, i) => send(chat, `Shutdown ${i}: what is a dead letter?`)));
      await waitUntil(() => chats.filter(finished).length >= 2, 120_000);
      const stopping = Date.now();
      await Promise.all([workers[1].stop(), pipelines[1].stop()]);
      const stopMs = Date.now() - stopping;
      expect(workers[1].exit).toBe(0);
      expect(pipelines[1].exit).toBe(0);
      expect(stopMs).toBeLessThan(25_000);
      await waitUntil(() => chats.every(finished), 120_000);
      for (const chat of chats) {
        const r = inspect(chat);
        expect(r.error).toBeUndefined();
        expect(r.shown.map((c) => c.delta).join('')).toBe(r.done!.text);
      }
    } finally {
      chats.forEach((c) => c.client.close());
      await Promise.all([workers[1].restart(), pipelines[1].restart()]);
    }
  }, 300_000);

  it('sends a malformed record written straight onto each topic to chat.dlq, and its partition goes on', async () => {
    const [chat] = await openChats(gateway, 1);
    const topics = [TOPICS.queries, TOPICS.preprocessed, TOPICS.embedded, TOPICS.retrieved, TOPICS.prompts, TOPICS.responses, TOPICS.control];
    try {
      // Same key as a real session, so the poison sits on the partition that session's next message uses.
      for (const topic of topics) await produceRaw(brokers, topic, chat.session.sessionId, `{"poison":"${topic}"`);
      const letters = await readDeadLetters(brokers, (l) => topics.every((t) => l.some((d) => d.topic === t)));
      for (const topic of topics) {
        const letter = letters.find((d) => d.topic === topic);
        expect(letter).toMatchObject({ key: chat.session.sessionId, value: `{"poison":"${topic}"` });
        expect(letter!.reason).toMatch(/json|parse|invalid/i);
      }
      // Behind the poison on every one of those partitions, a real chat still goes all the way through.
      await send(chat, 'What is a dead letter?');
      await waitUntil(() => finished(chat), 120_000);
      expect(inspect(chat).done?.text.length).toBeGreaterThan(0);
    } finally {
      chat.client.close();
    }
  }, 240_000);

  it('reconnects after the broker restarts and answers the chats sent once it is back', async () => {
    const during = await openChats(gateway, 4);
    const after = await openChats(gateway, 4);
    try {
      await Promise.all(during.map((chat, i) => send(chat, `Before the restart ${i}: what is Relay?`)));
      stopKafka();
      // Down long enough for kafkajs to give up on its own retries (its consumers then stop for good).
      await new Promise((r) => setTimeout(r, 20_000));
      startKafka(1);
      await Promise.all(after.map((chat, i) => send(chat, `After the restart ${i}: what is a session?`, 60_000)));
      await waitUntil(() => [...during, ...after].every(finished), 240_000).catch((err: Error) => {
        const state = [...during, ...after].map((c) => ({ messageId: c.messageId, events: c.client.timeline.map((e) => e.type) }));
        throw new Error(`${err.message}; chats: ${JSON.stringify(state)}`);
      });
      // Chats sent after the broker came back are answered; those caught by the restart at least hear back.
      for (const chat of after) expect(inspect(chat).done?.text.length).toBeGreaterThan(0);
      for (const chat of during) expect(inspect(chat).done ?? inspect(chat).error).toBeDefined();
    } finally {
      [...during, ...after].forEach((c) => c.client.close());
    }
  }, 420_000);
});

async function openChats(gateway: RelayProcess, n: number): Promise<Chat[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const session = await createSession(gateway.baseUrl);
      return { session, client: await ChatClient.connect(gateway.baseUrl, session.token), sentAt: 0 };
    }),
  );
}

/** Sends once the gateway takes it: a refused send (e.g. BUSY, or the broker still away) is retried until accepted. */
async function send(chat: Chat, text: string, retryForMs = 0): Promise<void> {
  const deadline = Date.now() + retryForMs;
  for (;;) {
    chat.sentAt = Date.now();
    const ack = await chat.client.emitWithAck<{ ok: boolean; messageId?: string; error?: { code: string } }>('chat:send', {
      sessionId: chat.session.sessionId,
      clientMessageId: `c-${chat.sentAt}-${Math.random().toString(36).slice(2)}`,
      text,
    });
    if (ack.ok) {
      chat.messageId = ack.messageId;
      return;
    }
    if (Date.now() > deadline) throw new Error(`chat:send refused: ${JSON.stringify(ack)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function finished(chat: Chat): boolean {
  return chat.messageId !== undefined && chat.client.finished(chat.messageId);
}

/** What one chat's client saw: its final event, what it shows, and the longest time it heard nothing. */
function inspect(chat: Chat): {
  done?: ChatDoneEvent;
  error?: ChatErrorEvent;
  doneAt?: number;
  shown: ChatChunkEvent[];
  longestSilenceMs: number;
  /** What the client heard at the end of its longest silence (`chat:status:queued`, `chat:chunk`…). */
  silenceEndedBy?: string;
} {
  let shown: ChatChunkEvent[] = [];
  let last = chat.sentAt;
  let longestSilenceMs = 0;
  let silenceEndedBy: string | undefined;
  let done: ChatDoneEvent | undefined;
  let error: ChatErrorEvent | undefined;
  let doneAt: number | undefined;
  for (const e of chat.client.timeline.filter((t) => t.messageId === chat.messageId)) {
    if (e.at - last > longestSilenceMs) {
      longestSilenceMs = e.at - last;
      silenceEndedBy = e.type === 'chat:status' ? `chat:status:${(e.event as { state: string }).state}` : e.type;
    }
    last = e.at;
    if (e.type === 'chat:restart') shown = [];
    if (e.type === 'chat:chunk') shown.push(e.event as ChatChunkEvent);
    if (e.type === 'chat:done') (done = e.event as ChatDoneEvent), (doneAt = e.at);
    if (e.type === 'chat:error') error = e.event as ChatErrorEvent;
  }
  if (!done && !error) longestSilenceMs = Math.max(longestSilenceMs, Date.now() - last);
  return { done, error, doneAt, shown, longestSilenceMs, silenceEndedBy };
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
