import { parseEnv } from '@relay/config';
import { TOPICS } from '@relay/contracts';
import { deliveredRecord, FakePromptTokenizer, RecordingTopicPublisher } from '@relay/testing';
import { pipelineConfigSchema } from '../pipeline.config';
import { PromptBuilderHandler } from './prompt-builder.handler';

const context = { userId: 'u1', text: 'What is Relay?', history: [], moderation: { action: 'none' as const }, chunks: [] };

describe('PromptBuilderHandler deadline', () => {
  it('skips a query past its deadline (no sources, no prompt), and builds the prompt of one within it', async () => {
    const publisher = new RecordingTopicPublisher();
    const sut = new PromptBuilderHandler(publisher, new FakePromptTokenizer(2048), parseEnv(pipelineConfigSchema, { RELEVANCE_GATE: 'false' }));

    await sut.handle(deliveredRecord(context, { deadlineInMs: -1 }));
    expect(publisher.published.map((p) => [p.topic, (p.envelope.payload as { type: string; code?: string }).code])).toEqual([[TOPICS.responses, 'EXPIRED']]);

    const inTime = deliveredRecord(context, { deadlineInMs: 60_000 });
    await sut.handle(inTime);
    expect(publisher.on(TOPICS.prompts).map((p) => p.envelope.deadline)).toEqual([inTime.deadline]);
  });
});
