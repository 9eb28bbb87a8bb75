import { envelopeSchema, TOPICS, WorkerCapacity, workerCapacitySchema } from '@relay/contracts';
import { parseEnv } from '@relay/config';
import { RecordingTopicPublisher, ScriptedLlm } from '@relay/testing';
import { llmWorkerConfigSchema } from '../llm-worker.config';
import { CapacityReporter } from './capacity-reporter';
import { GenerationQueue } from './generation-queue';
import { ServiceTimeMeter } from './service-time-meter';

function setup() {
  const publisher = new RecordingTopicPublisher();
  const llm = new ScriptedLlm('answer', 1, 2);
  const queue = new GenerationQueue(() => llm.parallelism);
  const meter = new ServiceTimeMeter();
  const sut = new CapacityReporter(publisher, llm, queue, meter, parseEnv(llmWorkerConfigSchema, { CAPACITY_REPORT_MS: '750' }));
  return { sut, publisher, queue, meter };
}

describe('CapacityReporter', () => {
  it('reports what the worker has in hand and its measured answer time, keyed by its id, in a record every gateway will accept', async () => {
    const { sut, publisher, queue, meter } = setup();
    for (const id of ['a', 'b', 'c']) void queue.acquire({ messageId: id, userId: id });
    meter.record(1200);
    await sut.report();
    const [record] = publisher.on(TOPICS.capacity);
    expect(record.envelope.payload).toEqual({ type: 'capacity', workerId: record.envelope.sessionId, model: 'scripted', parallelism: 2, running: 2, queued: 1, serviceMs: 1200, intervalMs: 750 });
    // What the gateways' transport validates it against.
    expect(envelopeSchema(workerCapacitySchema).safeParse({ ...record.envelope, sentAt: 1 }).success).toBe(true);
  });

  it('reports no measured time before the first answer, and keeps one worker id across reports', async () => {
    const { sut, publisher } = setup();
    await sut.report();
    await sut.report();
    const [first, second] = publisher.on(TOPICS.capacity).map((r) => r.envelope.payload as WorkerCapacity);
    expect(first).toMatchObject({ serviceMs: null, running: 0, queued: 0 });
    expect(second.workerId).toBe(first.workerId);
  });

  it('reports nothing when the model takes any number of answers at once (an OpenAI-compatible server without LLM_PARALLEL)', async () => {
    const publisher = new RecordingTopicPublisher();
    const llm = new ScriptedLlm('answer', 1, Infinity);
    const sut = new CapacityReporter(publisher, llm, new GenerationQueue(() => llm.parallelism), new ServiceTimeMeter(), parseEnv(llmWorkerConfigSchema, {}));
    await sut.report();
    expect(publisher.on(TOPICS.capacity)).toEqual([]);
  });

  it('a report with a wrong field does not pass the schema', () => {
    expect(workerCapacitySchema.safeParse({ type: 'capacity', workerId: 'w', model: 'm', parallelism: 0, running: 0, queued: -1, serviceMs: null, intervalMs: 500 }).success).toBe(false);
  });
});
