import { Module } from '@nestjs/common';
import { PromptBuilderHandler } from './prompt-builder.handler';

/** Pipeline stage 4 of 4: chat.retrieved → chat.prompts. Uses the PROMPT_TOKENIZER port. */
@Module({ controllers: [PromptBuilderHandler] })
export class PromptBuilderModule {}
