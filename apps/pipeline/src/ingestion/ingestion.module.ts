import { Module } from '@nestjs/common';
import { DocumentIndexingModule } from './document-indexing.module';
import { IngestionHandler } from './ingestion.handler';

/** Pipeline stage for documents: docs.ingest → chunk, embed, index → docs.indexed. Uses EMBEDDER, VECTOR_STORE, KEYWORD_INDEX. */
@Module({ imports: [DocumentIndexingModule], controllers: [IngestionHandler] })
export class IngestionModule {}
