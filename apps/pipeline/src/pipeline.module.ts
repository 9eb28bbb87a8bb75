import { DynamicModule, Module } from '@nestjs/common';
import { join } from 'node:path';
import { EmbedderStageModule } from './embedder/embedder-stage.module';
import { IngestionModule } from './ingestion/ingestion.module';
import { KNOWLEDGE_BASE_MANIFEST } from './knowledge-base/knowledge-base-seeder';
import { KnowledgeBaseModule } from './knowledge-base/knowledge-base.module';
import { PIPELINE_CONFIG, PipelineConfig, PipelineStageName } from './pipeline.config';
import { PreprocessorModule } from './preprocessor/preprocessor.module';
import { PromptBuilderModule } from './prompt-builder/prompt-builder.module';
import { RetrieverModule } from './retriever/retriever.module';

/**
 * The pipeline app: pre-processor → embedder → retriever → prompt builder, one module per stage, each consuming
 * its own topic. PIPELINE_STAGES picks which of them this process runs. Needs, from its composition root, the
 * ports of the stages it runs: EMBEDDER (embedder, retriever, ingestion), VECTOR_STORE and KEYWORD_INDEX (retriever,
 * ingestion), EMBEDDING_TOKENIZER (retriever, ingestion), PROMPT_TOKENIZER (prompt builder).
 */
@Module({})
export class PipelineModule {
  static forRoot(config: PipelineConfig, options: { dataDir: string }): DynamicModule {
    return {
      module: PipelineModule,
      global: true,
      imports: PipelineModule.stageModules(config.PIPELINE_STAGES),
      providers: [
        { provide: PIPELINE_CONFIG, useValue: config },
        { provide: KNOWLEDGE_BASE_MANIFEST, useValue: join(options.dataDir, 'knowledge-base.json') },
      ],
      exports: [PIPELINE_CONFIG, KNOWLEDGE_BASE_MANIFEST],
    };
  }

  private static stageModules(stages: PipelineStageName[]) {
    const modules: Array<typeof PreprocessorModule> = [];
    if (stages.includes('preprocessor')) modules.push(PreprocessorModule);
    if (stages.includes('embedder')) modules.push(EmbedderStageModule);
    // The retriever owns the index it searches, so it also keeps the sample knowledge base indexed.
    if (stages.includes('retriever')) modules.push(RetrieverModule, KnowledgeBaseModule);
    if (stages.includes('prompt-builder')) modules.push(PromptBuilderModule);
    // Documents are indexed where the index lives: with the embedded store, run it in the retriever's process.
    if (stages.includes('ingestion')) modules.push(IngestionModule);
    return modules;
  }
}
