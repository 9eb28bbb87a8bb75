import { TOPICS } from '@relay/contracts';
import { ControllableEmbedder, deliveredRecord, RecordingTopicPublisher } from '@relay/testing';
import { EmbedderHandler } from './embedder.handler';

const query = { userId: 'u1', text: 'What is Relay?', history: [], moderation: { action: 'none' as const }, scope: { collectionIds: ['default'], excludedDocumentIds: [] } };

describe('EmbedderHandler deadline', () => {
  it('skips a query past its deadline without calling the embedder, and embeds one within it', async () => {
    const publisher = new RecordingTopicPublisher();
    const embedder = new ControllableEmbedder();
    const sut = new EmbedderHandler(publisher, embedder);

    await sut.handle(deliveredRecord(query, { deadlineInMs: -1 }));
    expect(embedder.calls).toBe(0);
    expect(publisher.published.map((p) => [p.topic, (p.envelope.payload as { code?: string }).code])).toEqual([[TOPICS.responses, 'EXPIRED']]);

    await sut.handle(deliveredRecord(query, { deadlineInMs: 60_000 }));
    expect(embedder.calls).toBe(1);
    expect(publisher.on(TOPICS.embedded)).toHaveLength(1);
  });
});
