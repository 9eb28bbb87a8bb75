import type { EnvelopedTopic, Envelope, TopicPayload } from '@relay/contracts';
import { TopicPublisher } from '@relay/transport';

export interface PublishedRecord {
  topic: EnvelopedTopic;
  envelope: Envelope<unknown>;
}

/**
 * Records what was published. `failNext(err)` makes the next publish throw; `hold()` makes publishes wait until
 * `release()`, to widen a race window on purpose.
 */
export class RecordingTopicPublisher extends TopicPublisher {
  readonly published: PublishedRecord[] = [];
  private failures: unknown[] = [];
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  async publish<T extends EnvelopedTopic>(topic: T, envelope: Envelope<TopicPayload<T>>): Promise<void> {
    if (this.gate) await this.gate;
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    this.published.push({ topic, envelope });
  }

  failNext(err: unknown): void {
    this.failures.push(err);
  }

  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  on(topic: EnvelopedTopic): PublishedRecord[] {
    return this.published.filter((p) => p.topic === topic);
  }
}
