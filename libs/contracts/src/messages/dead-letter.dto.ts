/**
 * `chat.dlq`: a record no handler could process. Its value is the original value, byte for byte; why it failed
 * travels in these headers, as Kafka tooling expects.
 */
export const DEAD_LETTER_HEADERS = {
  reason: 'x-dlq-reason',
  topic: 'x-dlq-topic',
  stage: 'x-dlq-stage',
  attempts: 'x-dlq-attempts',
  failedAt: 'x-dlq-failed-at',
} as const;

export const CORRELATION_HEADER = 'x-correlation-id';

/** The W3C trace-context header (www.w3.org/TR/trace-context): the publishing span, so a trace continues across Kafka. */
export const TRACEPARENT_HEADER = 'traceparent';
