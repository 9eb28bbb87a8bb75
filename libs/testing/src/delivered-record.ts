import { createEnvelope, type Delivered, nowMs } from '@relay/contracts';

/**
 * A record as a stage's handler receives it, for unit tests of one handler. `deadlineInMs`: the deadline relative to
 * now (negative: already past); absent: the record has none.
 */
export function deliveredRecord<P>(payload: P, options: { deadlineInMs?: number; messageId?: string; sessionId?: string } = {}): Delivered<P> {
  const now = nowMs();
  const envelope = createEnvelope({
    sessionId: options.sessionId ?? 'session-1',
    messageId: options.messageId ?? 'message-1',
    correlationId: 'correlation-1',
    deadline: options.deadlineInMs === undefined ? undefined : now + options.deadlineInMs,
    payload,
  });
  return { ...envelope, sentAt: now, receivedAt: now };
}
