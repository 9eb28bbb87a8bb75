import { Module } from '@nestjs/common';
import { DocumentIndexingModule } from '../ingestion/document-indexing.module';
import { KnowledgeBaseSeeder } from './knowledge-base-seeder';

/** Indexes the shipped sample documents so a first question already has sources. */
@Module({ imports: [DocumentIndexingModule], providers: [KnowledgeBaseSeeder] })
export class KnowledgeBaseModule {}
