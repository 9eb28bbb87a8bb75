import { GenerationMetrics } from './generation-metrics';
import { parseEnv } from '@relay/config';
import { type ChatPrompt, TOPICS } from '@relay/contracts';
import { deliveredRecord, RecordingTopicPublisher, ScriptedLlm } from '@relay/testing';
import { llmWorkerConfigSchema } from '../llm-worker.config';
import { GenerationHandler } from './generation.handler';
import { GenerationQueue } from './generation-queue';
import { GenerationRegistry } from './generation-registry';

function setup() {
  const publisher = new RecordingTopicPublisher();
  // Ten words, 20 ms each: an answer takes about 200 ms.
  const llm = new ScriptedLlm(Array.from({ length: 10 }, (_, i) => `w${i} `).join(''), 20, 1);
  const sut = new GenerationHandler(publisher, llm, new GenerationRegistry(), new GenerationQueue(() => 1), parseEnv(llmWorkerConfigSchema, {}), new GenerationMetrics());
  const responsesOf = (messageId: string) =>
    publisher.on(TOPICS.responses).filter((p) => p.envelope.messageId === messageId).map((p) => p.envelope.payload as { type: string; code?: string; state?: string });
  return { sut, publisher, llm, responsesOf };
}

const prompt: ChatPrompt = {
  userId: 'u1',
  question: 'What is Relay?',
  messages: [{ role: 'user', content: 'What is Relay?' }],
  sources: [],
  promptTokens: 5,
  maxTokens: 64,
  moderation: { action: 'none' },
  dropped: { historyTurns: 0, chunks: 0 },
};

describe('GenerationHandler deadline', () => {
  it('skips a prompt that arrives past its deadline without calling the model', async () => {
    const { sut, llm, responsesOf } = setup();
    await sut.generate(deliveredRecord(prompt, { messageId: 'late', deadlineInMs: -1 }));
    expect(llm.prompts).toHaveLength(0);
    expect(responsesOf('late')).toEqual([expect.objectContaining({ type: 'error', code: 'EXPIRED' })]);
  });

  it('takes a prompt out of the queue when its deadline passes while it waits, and the model never reads it', async () => {
    const { sut, llm, responsesOf } = setup();
    const running = sut.generate(deliveredRecord(prompt, { messageId: 'running', sessionId: 's1', deadlineInMs: 60_000 }));
    const waiting = sut.generate(deliveredRecord({ ...prompt, userId: 'u2' }, { messageId: 'waiting', sessionId: 's2', deadlineInMs: 60 }));
    await waiting;
    // It left the line before the running answer (~200 ms) freed the model.
    expect(responsesOf('running').some((r) => r.type === 'done')).toBe(false);
    expect(responsesOf('waiting')).toEqual([expect.objectContaining({ type: 'status', state: 'queued', position: 1 }), expect.objectContaining({ type: 'error', code: 'EXPIRED' })]);
    await running;
    expect(llm.prompts).toHaveLength(1);
    expect(responsesOf('running').at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
  });

  it('generates a prompt within its deadline', async () => {
    const { sut, llm, responsesOf } = setup();
    await sut.generate(deliveredRecord(prompt, { messageId: 'ok', deadlineInMs: 60_000 }));
    expect(llm.prompts).toHaveLength(1);
    expect(responsesOf('ok').at(-1)).toMatchObject({ type: 'done' });
  });
  it('says generating as the model starts reading, again every STATUS_HEARTBEAT_MS until the first chunk, and never after it', async () => {
    const publisher = new RecordingTopicPublisher();
    // The first word comes after 300 ms (a long prompt being read), the next two 300 ms apart.
    const llm = new ScriptedLlm('one two three', 300, 1);
    const sut = new GenerationHandler(publisher, llm, new GenerationRegistry(), new GenerationQueue(() => 1), parseEnv(llmWorkerConfigSchema, { STATUS_HEARTBEAT_MS: '50', STREAM_COALESCE_MS: '0', STREAM_COALESCE_MAX_PIECES: '1' }), new GenerationMetrics());
    await sut.generate(deliveredRecord(prompt, { deadlineInMs: 60_000 }));

    const responses = publisher.on(TOPICS.responses).map((p) => p.envelope.payload as { type: string; state?: string; generationId?: string });
    const firstChunk = responses.findIndex((r) => r.type === 'chunk');
    const before = responses.slice(0, firstChunk);
    expect(before.length).toBeGreaterThanOrEqual(4);
    expect(before.every((r) => r.type === 'status' && r.state === 'generating')).toBe(true);
    // Every status carries this attempt's id, the one its chunks carry.
    expect(new Set(before.map((r) => r.generationId))).toEqual(new Set([responses[firstChunk].generationId]));
    expect(responses.slice(firstChunk).some((r) => r.type === 'status')).toBe(false);
  });
});
