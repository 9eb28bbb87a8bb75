import { Logger } from '@nestjs/common';
import { Delivered, isPastDeadline, nowMs, replyEnvelope, TOPICS } from '@relay/contracts';
import { RelayMetrics } from '@relay/observability';
import { TopicPublisher } from '../topic-publisher';

export interface DeadlineLogger {
  warn(obj: object): void;
}

/**
 * How every chat stage sheds work nobody waits for any more. A stage asks `skipIfExpired(record)` first; when the
 * record's deadline (stamped by the gateway, see ANSWER_DEADLINE_MS) has passed, the guard tells the client EXPIRED
 * on chat.responses (a retryable error the gateway audits as `expired`), logs it with the record's correlation id
 * (restored by the dispatcher), counts it in `relay_stage_expired_total{stage}` and answers true, and the stage returns
 * without doing the work: no embedding, no search, no model call. A record without a deadline never expires.
 */
export class DeadlineGuard {
  /** Records this guard skipped since start, for a test or a health report. */
  skipped = 0;

  constructor(
    private readonly publisher: TopicPublisher,
    /** The stage's name in logs: preprocessor, embedder, retriever, prompt-builder, llm-worker. */
    private readonly stage: string,
    private readonly metrics: RelayMetrics = new RelayMetrics({ enabled: false }),
    private readonly logger: DeadlineLogger = new Logger('Deadline'),
  ) {}

  /** True when the record is past its deadline; the client has then been told EXPIRED and the caller must stop. */
  async skipIfExpired(record: Delivered<unknown>, now: number = nowMs()): Promise<boolean> {
    if (!isPastDeadline(record, now)) return false;
    await this.expire(record, now);
    return true;
  }

  /** Tells the client the record expired (for a caller that found it out itself, e.g. while the record waited in a queue). */
  async expire(record: Delivered<unknown>, now: number = nowMs()): Promise<void> {
    this.skipped++;
    this.metrics.stageExpired.inc({ stage: this.stage });
    const lateMs = Math.round(now - (record.deadline ?? now));
    this.logger.warn({ msg: 'expired; skipped without working on it', stage: this.stage, lateMs });
    await this.publisher.publish(
      TOPICS.responses,
      replyEnvelope(record, { type: 'error', code: 'EXPIRED', message: 'The answer could not begin before the message deadline; send it again.' }),
    );
  }
}
