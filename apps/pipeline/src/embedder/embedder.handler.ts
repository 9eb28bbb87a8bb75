import { Controller, Inject, Optional } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Delivered, forwardEnvelope, PreprocessedQuery, replyEnvelope, TOPICS } from '@relay/contracts';
import { EMBEDDER, Embedder } from '@relay/embeddings';
import { RelayMetrics } from '@relay/observability';
import { DeadlineGuard, TopicPublisher } from '@relay/transport';

/** Embeds the cleaned query with the same model that indexed the knowledge base; the client hears `searching`. */
@Controller()
export class EmbedderHandler {
  private readonly deadline: DeadlineGuard;

  constructor(
    private readonly publisher: TopicPublisher,
    @Inject(EMBEDDER) private readonly embedder: Embedder,
    @Optional() metrics?: RelayMetrics,
  ) {
    this.deadline = new DeadlineGuard(publisher, 'embedder', metrics);
  }

  @EventPattern(TOPICS.preprocessed, { stage: 'embedder' })
  async handle(@Payload() query: Delivered<PreprocessedQuery>): Promise<void> {
    if (await this.deadline.skipIfExpired(query)) return;
    await this.publisher.publish(TOPICS.responses, replyEnvelope(query, { type: 'status', state: 'searching' }));
    const [vector] = await this.embedder.embed([query.payload.text]);
    await this.publisher.publish(
      TOPICS.embedded,
      forwardEnvelope(query, 'embedder', { ...query.payload, embedding: Array.from(vector), embeddingModel: this.embedder.modelName }),
    );
  }
}
