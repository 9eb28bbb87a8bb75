import type { FeatureExtractionPipeline } from '@huggingface/transformers' with { 'resolution-mode': 'import' };
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { resolve } from 'node:path';
import type { Embedder } from '../embedder.port';
import type { EmbeddingsConfig } from '../embeddings.config';

/**
 * A sentence-embedding model in ONNX run by transformers.js on onnxruntime-node, loaded from a local folder with
 * remote loading off: mean pooling, L2-normalised, dimension read from the model's output.
 */
@Injectable()
export class TransformersJsEmbedder implements Embedder, OnModuleInit {
  private readonly logger = new Logger(TransformersJsEmbedder.name);
  private extractor?: FeatureExtractionPipeline;
  private dims = 0;

  readonly modelName: string;

  constructor(private readonly config: EmbeddingsConfig) {
    this.modelName = config.EMBEDDINGS_MODEL;
  }

  get dimension(): number {
    return this.dims;
  }

  async onModuleInit(): Promise<void> {
    const started = performance.now();
    const { env, pipeline } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = resolve(this.config.EMBEDDINGS_MODEL_DIR);
    this.extractor = await pipeline('feature-extraction', this.config.EMBEDDINGS_MODEL, {
      dtype: 'q8',
      device: 'cpu',
      session_options: { intraOpNumThreads: this.config.EMBEDDINGS_THREADS, interOpNumThreads: 1 },
    });
    this.dims = (await this.embed(['dimension probe']))[0].length;
    this.logger.log({ msg: 'embedder loaded', model: this.modelName, dimension: this.dims, loadMs: Math.round(performance.now() - started) });
  }

  isReady(): boolean {
    return this.dims > 0;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (!this.extractor) throw new Error('embedder is not loaded yet');
    if (texts.length === 0) return [];
    const output = await this.extractor(texts, { pooling: 'mean', normalize: true });
    const [rows, dims] = output.dims as [number, number];
    const data = output.data as Float32Array;
    return Array.from({ length: rows }, (_, i) => data.slice(i * dims, (i + 1) * dims));
  }
}
