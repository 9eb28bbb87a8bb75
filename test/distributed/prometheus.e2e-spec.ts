import { TOPICS } from '@relay/contracts';
import { ChatClient, createSession } from '../support/chat-client';
import { deleteRelayTopics, produceRaw, startKafka } from '../support/kafka-cluster';
import { PrometheusServer } from '../support/prometheus-server';
import { RelayApps, RelayProcess, startRelayApps } from '../support/relay-process';

// What an SRE sees: a real Prometheus (Debian's, started by scripts/prometheus.mjs) scrapes the embedded app and
// the distributed mode's gateway, pipeline and LLM worker (each its own process on a real broker) every second and
// evaluates deploy/observability's alerting rules. PromQL over the scraped series must say what happened: the
// answers, their time to first token, the one poison record dead-lettered, and, once the LLM worker stops, the
// prompts waiting for it as consumer lag and its target down as an alert; once it is back after their deadline,
// those prompts as expired work.
const CHATS = 5;
const WHILE_STOPPED = 3;
// Time for an answer to begin, in distributed mode: ample for the tiny model on a loaded machine, short enough that
// the test can wait for the prompts sent while the worker is stopped to pass it.
const ANSWER_DEADLINE_MS = 60_000;
const host = (p: RelayProcess) => p.baseUrl.replace('http://', '');

describe('Prometheus scraping Relay', () => {
  let brokers: string;
  let apps: RelayApps | undefined;
  let embedded: RelayProcess | undefined;
  let prometheus: PrometheusServer | undefined;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    brokers = startKafka(1);
    await deleteRelayTopics(brokers);
    const common = { SEED_KNOWLEDGE_BASE: 'false', RELEVANCE_GATE: 'false', LLM_MAX_TOKENS: '8' };
    const kafkaEnv = { ...common, ANSWER_DEADLINE_MS: String(ANSWER_DEADLINE_MS), TRANSPORT: 'kafka', KAFKA_BROKERS: brokers, KAFKA_TOPIC_PARTITIONS: '4', KAFKAJS_NO_PARTITIONER_WARNING: '1' };
    [apps, embedded] = await Promise.all([startRelayApps(kafkaEnv, { gateways: 1, pipelines: 1, llmWorkers: 1 }), RelayProcess.start(common)]);
    prometheus = PrometheusServer.start([
      `relay-embedded=${host(embedded)}`,
      `relay-gateway=${host(apps.gateways[0])}`,
      `relay-pipeline=${host(apps.pipelines[0])}`,
      `relay-llm-worker=${host(apps.llmWorkers[0])}`,
    ]);
  }, 300_000);

  afterAll(async () => {
    clients.forEach((c) => c.close());
    prometheus?.stop();
    await Promise.all([...(apps?.all ?? []), ...(embedded ? [embedded] : [])].map((p) => p.stop()));
  }, 60_000);

  it('loads the alerting rules of deploy/observability and scrapes every process', async () => {
    const prom = prometheus!;
    // Every rule evaluates without error (health "ok"; "unknown" until the first evaluation).
    const deadline = Date.now() + 30_000;
    let groups = await prom.ruleGroups();
    while (groups.flatMap((g) => g.rules).some((r) => r.health !== 'ok') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      groups = await prom.ruleGroups();
    }
    expect(groups.map((g) => g.name).sort()).toEqual(['relay-answers', 'relay-availability', 'relay-pipeline']);
    const rules = groups.flatMap((g) => g.rules);
    expect(rules.filter((r) => r.health !== 'ok')).toEqual([]);
    expect(rules.map((r) => r.name)).toEqual(expect.arrayContaining(['RelayTargetDown', 'RelayDeadLetters', 'RelayConsumerLagGrowing']));

    await prom.waitForValue('count(up == 1)', (v) => v === 4);
    expect(await prom.targetsUp()).toEqual({ 'relay-embedded': [1], 'relay-gateway': [1], 'relay-pipeline': [1], 'relay-llm-worker': [1] });
  });

  it(`counts ${CHATS} answers and their time to first token, one dead letter, a stopped LLM worker's lag, then its expired prompts`, async () => {
    const prom = prometheus!;
    const gateway = apps!.gateways[0];
    const chatOn = async (baseUrl: string, i: number) => {
      const session = await createSession(baseUrl);
      const client = await ChatClient.connect(baseUrl, session.token);
      clients.push(client);
      return { session, client, answer: await client.ask(session.sessionId, `Question ${i}: what is Relay?`, undefined, 120_000) };
    };
    const chats = await Promise.all([
      ...Array.from({ length: CHATS }, (_, i) => chatOn(gateway.baseUrl, i)),
      ...Array.from({ length: CHATS }, (_, i) => chatOn(embedded!.baseUrl, i)),
    ]);
    for (const { answer } of chats) expect(answer.done?.text.length).toBeGreaterThan(0);
    // A poison record straight onto chat.queries, as a broken producer would send: the pipeline dead-letters it.
    await produceRaw(brokers, TOPICS.queries, 'poison', '{"not":"an envelope"');

    // Distributed mode: answers and TTFT from the LLM worker's /metrics, the dead letter from the pipeline's.
    const answers = 'sum(relay_llm_answers_total{job="relay-llm-worker"})';
    const ttftCount = 'sum(relay_llm_time_to_first_token_seconds_count{job="relay-llm-worker"})';
    const deadLetters = 'sum(relay_dead_letters_total{job="relay-pipeline"})';
    expect(await prom.waitForValue(answers, (v) => v === CHATS)).toBe(CHATS);
    expect(await prom.waitForValue(ttftCount, (v) => v === CHATS)).toBe(CHATS);
    expect(await prom.waitForValue(deadLetters, (v) => v === 1)).toBe(1);
    expect(await prom.query('relay_dead_letters_total{job="relay-pipeline"} > 0')).toEqual([
      expect.objectContaining({ metric: expect.objectContaining({ stage: 'preprocessor', reason: 'invalid' }), value: 1 }),
    ]);
    // The histogram's buckets: the +Inf bucket holds every observation, and a quantile can be taken from them.
    expect(await prom.scalar('sum(relay_llm_time_to_first_token_seconds_bucket{job="relay-llm-worker",le="+Inf"})')).toBe(CHATS);
    const p95 = await prom.scalar('histogram_quantile(0.95, sum by (le) (relay_llm_time_to_first_token_seconds_bucket{job="relay-llm-worker"}))');
    expect(p95).toBeGreaterThan(0);
    expect(p95).toBeLessThan(300);
    // The embedded app: the same metrics from its one /metrics.
    expect(await prom.waitForValue('sum(relay_llm_answers_total{job="relay-embedded"})', (v) => v === CHATS)).toBe(CHATS);
    expect(await prom.waitForValue('sum(relay_llm_time_to_first_token_seconds_count{job="relay-embedded"})', (v) => v === CHATS)).toBe(CHATS);
    // Nothing behind while the worker runs (every Kafka process reports every group: take the max per partition).
    const promptLag = `sum(max by (group, topic, partition) (relay_kafka_consumer_lag{group="relay-llm-worker",topic="${TOPICS.prompts}"}))`;
    expect(await prom.waitForValue(promptLag, (v) => v === 0)).toBe(0);

    // The LLM worker stops; prompts keep coming.
    const worker = apps!.llmWorkers[0];
    await worker.stop();
    const waiting: Array<{ client: ChatClient; messageId: string }> = [];
    for (let i = 0; i < WHILE_STOPPED; i++) {
      const { session, client } = chats[i];
      const ack = await client.send(session.sessionId, `Asked while no worker runs ${i}`);
      if (!ack.ok) throw new Error(`message ${i} refused: ${ack.error.code}`);
      waiting.push({ client, messageId: ack.messageId });
    }
    const lastSentAt = Date.now();
    // The gateway and the pipeline report the stopped worker's group falling behind, from Kafka's admin API.
    expect(await prom.waitForValue(promptLag, (v) => (v ?? 0) >= WHILE_STOPPED, 60_000)).toBeGreaterThanOrEqual(WHILE_STOPPED);
    // Both, each from its own reading (cached up to 5 s, so one may be a scrape or two behind the other).
    const reporting = `count(count by (job) (relay_kafka_consumer_lag{group="relay-llm-worker",topic="${TOPICS.prompts}"} > 0))`;
    expect(await prom.waitForValue(reporting, (v) => v === 2, 30_000)).toBe(2);
    const reporters = await prom.query(`relay_kafka_consumer_lag{group="relay-llm-worker",topic="${TOPICS.prompts}"} > 0`);
    expect(new Set(reporters.map((r) => r.metric.job))).toEqual(new Set(['relay-gateway', 'relay-pipeline']));

    // And the SRE is alerted: the worker's target is down, RelayTargetDown goes pending (firing after its `for: 1m`).
    expect(await prom.waitForValue('up{job="relay-llm-worker"}', (v) => v === 0)).toBe(0);
    const deadline = Date.now() + 30_000;
    let alert = (await prom.alerts()).find((a) => a.labels.alertname === 'RelayTargetDown');
    while (!alert && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      alert = (await prom.alerts()).find((a) => a.labels.alertname === 'RelayTargetDown');
    }
    expect(alert?.labels).toEqual(expect.objectContaining({ job: 'relay-llm-worker', instance: host(worker), severity: 'page' }));
    expect(['pending', 'firing']).toContain(alert?.state);
    // Only the stopped process is down.
    expect((await prom.alerts()).filter((a) => a.labels.alertname === 'RelayTargetDown')).toHaveLength(1);
    // After the rule's `for: 1m` it fires (what Prometheus sends on to Alertmanager). The test waits that long
    // anyway, for the prompts' deadline below.
    const fireBy = Date.now() + 90_000;
    while (alert?.state !== 'firing' && Date.now() < fireBy) {
      await new Promise((r) => setTimeout(r, 1000));
      alert = (await prom.alerts()).find((a) => a.labels.alertname === 'RelayTargetDown');
    }
    expect(alert).toEqual(expect.objectContaining({ state: 'firing', labels: expect.objectContaining({ job: 'relay-llm-worker', instance: host(worker) }) }));

    // The worker comes back after those prompts' deadline: it skips them (each client hears EXPIRED, the model is
    // not called), they count as expired work of the llm-worker stage, and the lag drains.
    await new Promise((r) => setTimeout(r, Math.max(0, lastSentAt + ANSWER_DEADLINE_MS + 1_000 - Date.now())));
    await worker.restart();
    for (const { client, messageId } of waiting) await client.waitFor(() => client.finished(messageId), 60_000);
    for (const { client, messageId } of waiting) expect(client.errors.find((e) => e.messageId === messageId)?.code).toBe('EXPIRED');
    const expired = 'sum(relay_stage_expired_total{job="relay-llm-worker",stage="llm-worker"})';
    expect(await prom.waitForValue(expired, (v) => (v ?? 0) >= WHILE_STOPPED)).toBeGreaterThanOrEqual(WHILE_STOPPED);
    expect(await prom.waitForValue(promptLag, (v) => v === 0)).toBe(0);
    expect(await prom.waitForValue('up{job="relay-llm-worker"}', (v) => v === 1)).toBe(1);
  }, 300_000);
});
