import { SAME_ORIGIN_HEADER } from '@relay/contracts';
import { ChatClient, createSession } from '../support/chat-client';
import { deleteRelayTopics, startKafka } from '../support/kafka-cluster';
import { OtlpReceiver, ReceivedSpan } from '../support/otlp-receiver';
import { RelayApps, startRelayApps } from '../support/relay-process';

// OpenTelemetry traces across processes on a real Kafka broker: two gateways, two pipelines and one LLM worker,
// each its own process exporting over OTLP/HTTP (the real exporter, OTEL_EXPORTER_OTLP_ENDPOINT) to a receiver in
// this test. One chat message gives one connected trace with a span per stage, in order, from several processes.
const CHAT_STAGES = ['chat:send', 'preprocessor', 'embedder', 'retriever', 'prompt-builder', 'llm-worker', 'gateway deliver'];

describe('traces across Kafka', () => {
  let receiver: OtlpReceiver;
  let apps: RelayApps | undefined;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    const brokers = startKafka();
    await deleteRelayTopics(brokers);
    const env = {
      TRANSPORT: 'kafka',
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PARTITIONS: '2',
      LLM_MAX_TOKENS: '8',
      SEED_KNOWLEDGE_BASE: 'false',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      // The stages' info lines ("generated", "request") carry the correlation and trace ids this test looks for.
      LOG_LEVEL: 'info',
    };
    apps = await startRelayApps(env, { gateways: 2, pipelines: 2, llmWorkers: 1 });
  }, 300_000);

  afterAll(async () => {
    await Promise.all((apps?.all ?? []).map((p) => p.stop()));
    await receiver?.close();
  }, 60_000);

  it('gives one chat message one connected trace: a span per stage, in order, across processes', async () => {
    const gateway = apps!.gateways[1];
    const session = await createSession(gateway.baseUrl);
    const client = await ChatClient.connect(gateway.baseUrl, session.token);
    let messageId: string;
    try {
      const answer = await client.ask(session.sessionId, 'What is Relay?', 'trace-1', 180_000);
      expect(answer.ack.ok).toBe(true);
      expect(answer.done).toBeDefined();
      messageId = answer.done!.messageId;
    } finally {
      client.close();
    }

    // Spans leave each process in batches (about every second): wait until the whole chain has arrived.
    const spans = await receiver.waitFor(() => {
      const root = receiver.spans.find((s) => s.name === 'chat:send' && s.attributes['relay.message_id'] === messageId);
      const trace = root && receiver.trace(root.traceId);
      return trace && CHAT_STAGES.every((name) => trace.some((s) => s.name === name)) ? trace : undefined;
    });
    expect(receiver.rejected).toEqual([]);

    // One root, and every other span's parent is in the trace: connected.
    const ids = new Set(spans.map((s) => s.spanId));
    expect(spans.filter((s) => !s.parentSpanId).map((s) => s.name)).toEqual(['chat:send']);
    for (const span of spans) if (span.parentSpanId) expect(ids.has(span.parentSpanId)).toBe(true);

    // The stages form a chain, each the child of the one before, and started in that order.
    const chain = CHAT_STAGES.map((name) => only(spans, name));
    for (let i = 1; i < chain.length; i++) {
      expect(chain[i].parentSpanId).toBe(chain[i - 1].spanId);
      expect(chain[i].startNs).toBeGreaterThanOrEqual(chain[i - 1].startNs);
    }

    // Across processes: the gateway's spans, the pipeline's stages and the LLM worker's span, each named.
    const [send, pre, emb, ret, prompt, llm, deliver] = chain;
    expect(send.serviceName).toBe('relay-gateway');
    expect(deliver.serviceName).toBe('relay-gateway');
    expect(deliver.pid).toBe(send.pid); // the accepting gateway delivers the answer
    for (const stage of [pre, emb, ret, prompt]) expect(stage.serviceName).toBe('relay-pipeline');
    expect(llm.serviceName).toBe('relay-llm-worker');
    expect(new Set(chain.map((s) => s.pid)).size).toBeGreaterThanOrEqual(3);
    const pids = new Set(apps!.all.map((p) => p.pid));
    for (const span of chain) expect(pids.has(span.pid!)).toBe(true);

    // What each stage says about the message.
    const correlationId = send.attributes['relay.correlation_id'];
    for (const span of chain) expect(span.attributes['relay.correlation_id']).toBe(correlationId);
    expect(pre.attributes).toMatchObject({ 'messaging.destination.name': 'chat.queries', 'relay.stage': 'preprocessor', 'relay.moderation': 'none', 'relay.outcome': 'ok' });
    expect(ret.attributes['relay.chunks_retrieved']).toBe(0); // no knowledge base in this test
    expect(typeof llm.attributes['gen_ai.request.model']).toBe('string');
    expect(llm.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(llm.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    expect(deliver.attributes['relay.outcome']).toBe('ok');
    expect(deliver.attributes['relay.chunks_delivered']).toBeGreaterThan(0);

    // A log line found by the correlation id names the trace (docs/operations.md: from a slow message to its trace).
    const lines = [...apps!.pipelines, ...apps!.llmWorkers].flatMap((p) => p.output.split('\n')).filter((l) => l.includes(`"correlationId":"${correlationId}"`));
    expect(lines.map((l) => (JSON.parse(l) as { traceId?: string }).traceId)).toContain(send.traceId);
  }, 240_000);

  it('gives one document upload one trace: parse at the gateway, then chunk, embed and index in the pipeline', async () => {
    const form = new FormData();
    form.append('file', new Blob(['# Traces\n\nEvery Relay message leaves one trace behind it.\n']), 'traced.md');
    const res = await fetch(`${apps!.gateways[0].baseUrl}/api/documents`, { method: 'POST', body: form, headers: { [SAME_ORIGIN_HEADER]: '1' } });
    expect(res.status).toBe(201);
    const { document } = (await res.json()) as { document: { documentId: string } };

    const spans = await receiver.waitFor(() => {
      const root = receiver.spans.find((s) => s.name === 'document upload' && s.attributes['relay.document_id'] === document.documentId);
      const trace = root && receiver.trace(root.traceId);
      return trace && ['parse', 'ingestion', 'chunk', 'embed', 'index'].every((name) => trace.some((s) => s.name === name)) ? trace : undefined;
    });
    const upload = only(spans, 'document upload');
    const ingestion = only(spans, 'ingestion');
    expect(upload.parentSpanId).toBeUndefined();
    expect(only(spans, 'parse').parentSpanId).toBe(upload.spanId);
    expect(ingestion.parentSpanId).toBe(upload.spanId);
    for (const step of ['chunk', 'embed', 'index']) expect(only(spans, step).parentSpanId).toBe(ingestion.spanId);
    expect(ingestion.serviceName).toBe('relay-pipeline');
    expect(ingestion.attributes).toMatchObject({ 'relay.document_id': document.documentId, 'relay.chunks_indexed': 1, 'relay.outcome': 'ok' });
  }, 120_000);
});

function only(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) throw new Error(`${found.length} spans named ${name} in the trace: ${spans.map((s) => `${s.serviceName}/${s.name}`).join(', ')}`);
  return found[0];
}
