import { Controller, Inject, Logger, Optional } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ChatQuery, Delivered, forwardEnvelope, replyEnvelope, TOPICS } from '@relay/contracts';
import { AuditLog, RelayMetrics, setSpanAttributes, SPAN_ATTRIBUTES } from '@relay/observability';
import { DeadlineGuard, TopicPublisher } from '@relay/transport';
import { PIPELINE_CONFIG, PipelineConfig } from '../pipeline.config';
import { ProfanityFilter } from './profanity-filter';

/** First stage: filters profanity by policy, records the request, and passes the cleaned query on. */
@Controller()
export class PreprocessorHandler {
  private readonly logger = new Logger('Preprocessor');
  private readonly filter: ProfanityFilter;
  private readonly deadline: DeadlineGuard;

  constructor(
    private readonly publisher: TopicPublisher,
    private readonly audit: AuditLog,
    @Inject(PIPELINE_CONFIG) config: PipelineConfig,
    @Optional() private readonly metrics?: RelayMetrics,
  ) {
    this.filter = new ProfanityFilter(config.PROFANITY_POLICY);
    this.deadline = new DeadlineGuard(publisher, 'preprocessor', metrics);
  }

  @EventPattern(TOPICS.queries, { stage: 'preprocessor' })
  async handle(@Payload() query: Delivered<ChatQuery>): Promise<void> {
    if (await this.deadline.skipIfExpired(query)) return;
    const verdict = this.filter.apply(query.payload.text);
    const record = {
      userId: query.payload.userId,
      sessionId: query.sessionId,
      messageId: query.messageId,
      correlationId: query.correlationId,
      receivedAt: query.createdAt,
      length: query.payload.text.length,
      moderation: verdict.action,
    };
    this.logger.log({ msg: 'request', ...record });
    this.audit.record({ kind: 'request', ...record });
    if (verdict.action !== 'none') this.metrics?.profanity.inc({ outcome: verdict.action });
    setSpanAttributes({ [SPAN_ATTRIBUTES.moderation]: verdict.action });

    if (verdict.action === 'rejected') {
      await this.publisher.publish(
        TOPICS.responses,
        replyEnvelope(query, { type: 'error', code: 'PROFANITY', message: 'Your message was rejected by the profanity filter.' }),
      );
      return;
    }
    const moderation = { action: verdict.action };
    await this.publisher.publish(TOPICS.responses, replyEnvelope(query, { type: 'accepted', text: verdict.text, moderation }));
    await this.publisher.publish(
      TOPICS.preprocessed,
      forwardEnvelope(query, 'preprocessor', {
        userId: query.payload.userId,
        text: verdict.text,
        history: query.payload.history,
        moderation,
        scope: query.payload.scope,
      }),
    );
  }
}
