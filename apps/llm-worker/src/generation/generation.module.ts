import { Module } from '@nestjs/common';
import { LLM, Llm } from '@relay/llm';
import { RelayMetrics } from '@relay/observability';
import { GenerationMetrics } from './generation-metrics';
import { GenerationHandler } from './generation.handler';
import { GenerationQueue } from './generation-queue';
import { GenerationRegistry } from './generation-registry';
import { CapacityReporter } from './capacity-reporter';
import { ServiceTimeMeter } from './service-time-meter';

/** chat.prompts → chat.responses, chat.control for cancels, and llm.capacity reports. Uses the LLM port. */
@Module({
  controllers: [GenerationHandler],
  providers: [
    { provide: GenerationRegistry, useFactory: () => new GenerationRegistry() },
    // As many answers at once as the model generates in one batch; the rest wait their turn, fairly between users.
    {
      provide: GenerationQueue,
      inject: [LLM, { token: RelayMetrics, optional: true }],
      useFactory: (llm: Llm, metrics?: RelayMetrics) => {
        const queue = new GenerationQueue(() => llm.parallelism);
        metrics?.observeGenerationQueue(() => ({ busy: queue.runningCount, waiting: queue.waitingCount }));
        return queue;
      },
    },
    { provide: ServiceTimeMeter, useFactory: () => new ServiceTimeMeter() },
    CapacityReporter,
    { provide: GenerationMetrics, inject: [{ token: RelayMetrics, optional: true }], useFactory: (metrics?: RelayMetrics) => new GenerationMetrics(metrics) },
  ],
})
export class GenerationModule {}
