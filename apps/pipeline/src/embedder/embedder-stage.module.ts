import { Module } from '@nestjs/common';
import { EmbedderHandler } from './embedder.handler';

/** Pipeline stage 2 of 4: chat.preprocessed → chat.embedded. Uses the EMBEDDER port. */
@Module({ controllers: [EmbedderHandler] })
export class EmbedderStageModule {}
