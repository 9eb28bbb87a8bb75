import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { createEnvelope, TOPICS, WorkerCapacity } from '@relay/contracts';
import { LLM, Llm } from '@relay/llm';
import { TopicPublisher } from '@relay/transport';
import { randomUUID } from 'node:crypto';
import { LLM_WORKER_CONFIG, LlmWorkerConfig } from '../llm-worker.config';
import { GenerationQueue } from './generation-queue';
import { ServiceTimeMeter } from './service-time-meter';

/**
 * Tells every gateway, every CAPACITY_REPORT_MS on llm.capacity, how much this worker has in hand (answers running,
 * prompts queued), how many it generates at once and how long one takes (measured). The gateways add up the reports
 * of live workers to refuse, with BUSY and an estimate, a chat that could not be answered before its deadline.
 */
@Injectable()
export class CapacityReporter implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('CapacityReporter');
  private readonly workerId = randomUUID();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly publisher: TopicPublisher,
    @Inject(LLM) private readonly llm: Llm,
    private readonly queue: GenerationQueue,
    private readonly serviceTime: ServiceTimeMeter,
    @Inject(LLM_WORKER_CONFIG) private readonly config: LlmWorkerConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.CAPACITY_REPORT_MS === 0) return;
    this.timer = setInterval(() => void this.report(), this.config.CAPACITY_REPORT_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** What this worker would report now. */
  current(): WorkerCapacity {
    return {
      type: 'capacity',
      workerId: this.workerId,
      model: this.llm.modelName,
      parallelism: Math.min(4096, Math.max(1, Math.floor(this.llm.parallelism))),
      running: this.queue.runningCount,
      queued: this.queue.waitingCount,
      serviceMs: this.serviceTime.serviceMs === null ? null : Math.min(86_400_000, this.serviceTime.serviceMs),
      intervalMs: this.config.CAPACITY_REPORT_MS,
    };
  }

  async report(): Promise<void> {
    // An OpenAI-compatible server without LLM_PARALLEL takes every answer at once and queues them itself: this worker
    // cannot say how many it generates at once, so it reports nothing and no gateway refuses by estimate.
    if (!Number.isFinite(this.llm.parallelism)) return;
    try {
      await this.publisher.publish(TOPICS.capacity, createEnvelope({ sessionId: this.workerId, payload: this.current() }));
    } catch (err) {
      // A missed report only makes this worker look gone for a moment (no refusals by estimate): logged, not fatal.
      this.logger.warn({ msg: 'capacity report not published', err: (err as Error).message });
    }
  }
}
