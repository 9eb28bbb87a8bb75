import { enumVar, intVar, stringVar } from '@relay/config';
import { z } from 'zod';

export const embeddingsConfigSchema = z.object({
  EMBEDDINGS_PROVIDER: enumVar(['transformers-js'] as const, 'transformers-js'),
  /** A folder holding the model's own folder (tokenizer.json, config.json, onnx/model_quantized.onnx). */
  EMBEDDINGS_MODEL_DIR: stringVar('./models'),
  EMBEDDINGS_MODEL: stringVar('all-MiniLM-L6-v2'),
  EMBEDDINGS_THREADS: intVar(1, 1, 256),
});
export type EmbeddingsConfig = z.infer<typeof embeddingsConfigSchema>;
