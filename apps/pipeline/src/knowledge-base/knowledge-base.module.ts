import { Module } from '@nestjs/common';
import { KnowledgeBaseSeeder } from './knowledge-base-seeder';

/** Indexes the shipped sample documents so a first question already has sources. */
@Module({ providers: [KnowledgeBaseSeeder] })
export class KnowledgeBaseModule {}
