import { ClientProxy } from '@nestjs/microservices';
import { CORRELATION_HEADER, EnvelopedTopic, Envelope, nowMs, TopicPayload, TOPICS, TRACEPARENT_HEADER } from '@relay/contracts';
import { activeTraceparent, setSpanOutcome } from '@relay/observability';
import { lastValueFrom } from 'rxjs';
import type { OutgoingRecord } from './transport-record';

/**
 * How a stage puts a message on a topic. The topic decides the payload type, so a producer cannot put the wrong
 * message on a topic. Stages depend on this class, never on a transport.
 */
export abstract class TopicPublisher {
  abstract publish<T extends EnvelopedTopic>(topic: T, envelope: Envelope<TopicPayload<T>>): Promise<void>;
}

/**
 * Publishes through whichever Nest ClientProxy the transport provides (in-process or Kafka). The record carries the
 * active span as its trace context, in the envelope and as the W3C `traceparent` header, so the stage that handles
 * it continues the trace; with tracing off it keeps the one it was forwarded with.
 */
export class ClientProxyTopicPublisher extends TopicPublisher {
  constructor(private readonly client: ClientProxy) {
    super();
  }

  async publish<T extends EnvelopedTopic>(topic: T, envelope: Envelope<TopicPayload<T>>): Promise<void> {
    const traceparent = activeTraceparent() ?? envelope.traceparent;
    const record: OutgoingRecord = {
      key: envelope.sessionId,
      value: { ...envelope, sentAt: nowMs(), ...(traceparent && { traceparent }) },
      headers: traceparent ? { [CORRELATION_HEADER]: envelope.correlationId, [TRACEPARENT_HEADER]: traceparent } : { [CORRELATION_HEADER]: envelope.correlationId },
    };
    if (topic === TOPICS.responses) markErrorReply(envelope.payload as TopicPayload<typeof TOPICS.responses>);
    await lastValueFrom(this.client.emit(topic, record), { defaultValue: undefined });
  }
}

/** A stage that answers the client with an error has that outcome on its span (EXPIRED: `expired`, work shed). */
function markErrorReply(payload: TopicPayload<typeof TOPICS.responses>): void {
  if (payload.type === 'error') setSpanOutcome(payload.code === 'EXPIRED' ? 'expired' : 'error', payload.code);
}
