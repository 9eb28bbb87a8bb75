import { Module } from '@nestjs/common';
import { KeywordIndexSyncHandler } from './keyword-index-sync.handler';
import { RetrieverHandler } from './retriever.handler';

/**
 * Pipeline stage 3 of 4: chat.embedded → chat.retrieved. Uses the VECTOR_STORE and KEYWORD_INDEX ports, and keeps
 * the keyword index in step with documents indexed by any replica (docs.indexed).
 */
@Module({ controllers: [RetrieverHandler, KeywordIndexSyncHandler] })
export class RetrieverModule {}
