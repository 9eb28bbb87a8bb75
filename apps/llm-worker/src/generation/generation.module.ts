import { Module } from '@nestjs/common';
import { LLM, Llm } from '@relay/llm';
import { GenerationHandler } from './generation.handler';
import { GenerationQueue } from './generation-queue';
import { GenerationRegistry } from './generation-registry';

/** chat.prompts → chat.responses, and chat.control for cancels. Uses the LLM port. */
@Module({
  controllers: [GenerationHandler],
  providers: [
    { provide: GenerationRegistry, useFactory: () => new GenerationRegistry() },
    // As many answers at once as the model generates in one batch; the rest wait their turn, fairly between users.
    { provide: GenerationQueue, useFactory: (llm: Llm) => new GenerationQueue(() => llm.parallelism), inject: [LLM] },
  ],
})
export class GenerationModule {}
