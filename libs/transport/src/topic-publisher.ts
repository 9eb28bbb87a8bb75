import { ClientProxy } from '@nestjs/microservices';
import { CORRELATION_HEADER, EnvelopedTopic, Envelope, nowMs, TopicPayload } from '@relay/contracts';
import { lastValueFrom } from 'rxjs';
import type { OutgoingRecord } from './transport-record';

/**
 * How a stage puts a message on a topic. The topic decides the payload type, so a producer cannot put the wrong
 * message on a topic. Stages depend on this class, never on a transport.
 */
export abstract class TopicPublisher {
  abstract publish<T extends EnvelopedTopic>(topic: T, envelope: Envelope<TopicPayload<T>>): Promise<void>;
}

/** Publishes through whichever Nest ClientProxy the transport provides (in-process or Kafka). */
export class ClientProxyTopicPublisher extends TopicPublisher {
  constructor(private readonly client: ClientProxy) {
    super();
  }

  async publish<T extends EnvelopedTopic>(topic: T, envelope: Envelope<TopicPayload<T>>): Promise<void> {
    const record: OutgoingRecord = {
      key: envelope.sessionId,
      value: { ...envelope, sentAt: nowMs() },
      headers: { [CORRELATION_HEADER]: envelope.correlationId },
    };
    await lastValueFrom(this.client.emit(topic, record), { defaultValue: undefined });
  }
}
