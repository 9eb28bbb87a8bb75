import { enumVar, intVar, optionalStringVar, stringVar, urlVar } from '@relay/config';
import { z } from 'zod';

export const embeddingsConfigSchema = z.object({
  EMBEDDINGS_PROVIDER: enumVar(['transformers-js', 'openai-compatible'] as const, 'transformers-js'),
  /** A folder holding the model's own folder (tokenizer.json, config.json, onnx/model_quantized.onnx). */
  EMBEDDINGS_MODEL_DIR: stringVar('./models'),
  EMBEDDINGS_MODEL: stringVar('all-MiniLM-L6-v2'),
  EMBEDDINGS_THREADS: intVar(1, 1, 256),
  /** Concurrent embed calls (queries, ingestion chunks) share model calls of up to this many texts. */
  EMBEDDINGS_MAX_BATCH: intVar(32, 1, 1024),
  /** How long a lone text waits for others to join its batch while the model is idle; 0 = never waits. */
  EMBEDDINGS_MAX_WAIT_MS: intVar(2, 0, 1000),
  // openai-compatible only: the server's API base, the path /embeddings and /models are appended to.
  EMBEDDINGS_BASE_URL: urlVar('http://127.0.0.1:8080/v1'),
  /** The `model` sent to the server. Empty: the first id GET /models lists. */
  EMBEDDINGS_API_MODEL: optionalStringVar(),
  /** Empty: no Authorization header. */
  EMBEDDINGS_API_KEY: optionalStringVar(),
});
export type EmbeddingsConfig = z.infer<typeof embeddingsConfigSchema>;
