import { Module } from '@nestjs/common';
import { RetrieverHandler } from './retriever.handler';

/** Pipeline stage 3 of 4: chat.embedded → chat.retrieved. Uses the VECTOR_STORE port. */
@Module({ controllers: [RetrieverHandler] })
export class RetrieverModule {}
