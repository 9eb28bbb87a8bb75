import { Module } from '@nestjs/common';
import { GenerationModule } from './generation/generation.module';

/** The LLM worker app: consumes built prompts and streams answers. Needs the LLM port from its composition root. */
@Module({ imports: [GenerationModule] })
export class LlmWorkerModule {}
