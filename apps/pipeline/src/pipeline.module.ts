import { DynamicModule, Module } from '@nestjs/common';
import { join } from 'node:path';
import { EmbedderStageModule } from './embedder/embedder-stage.module';
import { KNOWLEDGE_BASE_MANIFEST } from './knowledge-base/knowledge-base-seeder';
import { KnowledgeBaseModule } from './knowledge-base/knowledge-base.module';
import { PIPELINE_CONFIG, PipelineConfig } from './pipeline.config';
import { PreprocessorModule } from './preprocessor/preprocessor.module';
import { PromptBuilderModule } from './prompt-builder/prompt-builder.module';
import { RetrieverModule } from './retriever/retriever.module';

/**
 * The pipeline app: pre-processor → embedder → retriever → prompt builder, one module per stage, each consuming
 * its own topic. Needs the EMBEDDER, VECTOR_STORE and PROMPT_TOKENIZER ports from its composition root.
 */
@Module({})
export class PipelineModule {
  static forRoot(config: PipelineConfig, options: { dataDir: string }): DynamicModule {
    return {
      module: PipelineModule,
      global: true,
      imports: [PreprocessorModule, EmbedderStageModule, RetrieverModule, PromptBuilderModule, KnowledgeBaseModule],
      providers: [
        { provide: PIPELINE_CONFIG, useValue: config },
        { provide: KNOWLEDGE_BASE_MANIFEST, useValue: join(options.dataDir, 'knowledge-base.json') },
      ],
      exports: [PIPELINE_CONFIG, KNOWLEDGE_BASE_MANIFEST],
    };
  }
}
