import type { PreTrainedTokenizer } from '@huggingface/transformers' with { 'resolution-mode': 'import' };
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { resolve } from 'node:path';
import type { EmbeddingTokenizer } from '../embedding-tokenizer.port';
import type { EmbeddingsConfig } from '../embeddings.config';

/** The embedding model's own tokenizer (tokenizer.json beside the ONNX file), loaded from local files only. */
@Injectable()
export class TransformersJsTokenizer implements EmbeddingTokenizer, OnModuleInit {
  private readonly logger = new Logger(TransformersJsTokenizer.name);
  private tokenizer?: PreTrainedTokenizer;
  maxTokens = 0;
  readonly specialTokens = 2;

  constructor(private readonly config: EmbeddingsConfig) {}

  async onModuleInit(): Promise<void> {
    const { env, AutoTokenizer } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = resolve(this.config.EMBEDDINGS_MODEL_DIR);
    this.tokenizer = await AutoTokenizer.from_pretrained(this.config.EMBEDDINGS_MODEL, { local_files_only: true });
    // tokenizer_config.json's model_max_length (256 for all-MiniLM-L6-v2); a tokenizer without one gets BERT's 512.
    const max = Number(this.tokenizer.model_max_length);
    this.maxTokens = Number.isFinite(max) && max > 0 && max < 100_000 ? max : 512;
    this.logger.log({ msg: 'tokenizer loaded', model: this.config.EMBEDDINGS_MODEL, maxTokens: this.maxTokens });
  }

  isReady(): boolean {
    return this.tokenizer !== undefined;
  }

  count(text: string): number {
    if (!this.tokenizer) throw new Error('embedding tokenizer is not loaded yet');
    return this.tokenizer.encode(text, { add_special_tokens: false }).length;
  }
}
