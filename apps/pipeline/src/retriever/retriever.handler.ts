import { Controller, Inject, Optional } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Delivered, EmbeddedQuery, forwardEnvelope, replyEnvelope, TOPICS } from '@relay/contracts';
import { RelayMetrics, setSpanAttributes, SPAN_ATTRIBUTES } from '@relay/observability';
import { KEYWORD_INDEX, KeywordIndex } from '@relay/retrieval';
import { DeadlineGuard, TopicPublisher } from '@relay/transport';
import { VECTOR_STORE, VectorStore } from '@relay/vector-store';
import { PIPELINE_CONFIG, PipelineConfig } from '../pipeline.config';
import { Retriever } from './retriever';
import { retrieverOptions } from './retriever-options';

/**
 * Finds the knowledge-base chunks that answer the query, by its embedding and by its words, inside the query's scope.
 * The client hears `searching` again as it starts (a word after a slow embedding, or after a redelivery).
 */
@Controller()
export class RetrieverHandler {
  private readonly retriever: Retriever;
  private readonly deadline: DeadlineGuard;

  constructor(
    private readonly publisher: TopicPublisher,
    @Inject(VECTOR_STORE) store: VectorStore,
    @Inject(KEYWORD_INDEX) keywords: KeywordIndex,
    @Inject(PIPELINE_CONFIG) config: PipelineConfig,
    @Optional() metrics?: RelayMetrics,
  ) {
    this.retriever = new Retriever(store, keywords, retrieverOptions(config), (index, seconds) => metrics?.searchSeconds.observe({ index }, seconds));
    this.deadline = new DeadlineGuard(publisher, 'retriever', metrics);
  }

  @EventPattern(TOPICS.embedded, { stage: 'retriever' })
  async handle(@Payload() query: Delivered<EmbeddedQuery>): Promise<void> {
    if (await this.deadline.skipIfExpired(query)) return;
    await this.publisher.publish(TOPICS.responses, replyEnvelope(query, { type: 'status', state: 'searching' }));
    const { embedding, embeddingModel: _model, scope, ...rest } = query.payload;
    const chunks = await this.retriever.retrieve({ text: rest.text, vector: Float32Array.from(embedding), scope });
    setSpanAttributes({ [SPAN_ATTRIBUTES.chunksRetrieved]: chunks.length });
    await this.publisher.publish(TOPICS.retrieved, forwardEnvelope(query, 'retriever', { ...rest, chunks }));
  }
}
