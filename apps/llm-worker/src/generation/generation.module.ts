import { Module } from '@nestjs/common';
import { GenerationHandler } from './generation.handler';
import { GenerationRegistry } from './generation-registry';

/** chat.prompts → chat.responses, and chat.control for cancels. Uses the LLM port. */
@Module({
  controllers: [GenerationHandler],
  providers: [{ provide: GenerationRegistry, useFactory: () => new GenerationRegistry() }],
})
export class GenerationModule {}
