import { parseEnv } from '@relay/config';
import { TOPICS } from '@relay/contracts';
import { deliveredRecord, InMemoryKeywordIndex, InMemoryVectorStore, RecordingTopicPublisher } from '@relay/testing';
import { pipelineConfigSchema } from '../pipeline.config';
import { RetrieverHandler } from './retriever.handler';

const query = {
  userId: 'u1',
  text: 'What is Relay?',
  history: [],
  moderation: { action: 'none' as const },
  scope: { collectionIds: ['default'], excludedDocumentIds: [] },
  embedding: [1, 0],
  embeddingModel: 'controllable',
};

describe('RetrieverHandler deadline', () => {
  it('skips a query past its deadline without searching, and searches for one within it', async () => {
    const publisher = new RecordingTopicPublisher();
    const store = new InMemoryVectorStore();
    let searches = 0;
    const search = store.search.bind(store);
    store.search = (...args) => (searches++, search(...args));
    const sut = new RetrieverHandler(publisher, store, new InMemoryKeywordIndex(), parseEnv(pipelineConfigSchema, {}));

    await sut.handle(deliveredRecord(query, { deadlineInMs: -1 }));
    expect(searches).toBe(0);
    expect(publisher.published.map((p) => [p.topic, (p.envelope.payload as { code?: string }).code])).toEqual([[TOPICS.responses, 'EXPIRED']]);

    await sut.handle(deliveredRecord(query, { deadlineInMs: 60_000 }));
    expect(searches).toBe(1);
    expect(publisher.on(TOPICS.retrieved)).toHaveLength(1);
  });
});
