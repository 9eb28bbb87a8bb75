/** What TransformersJsEmbedder and its worker thread say to each other. */
export interface EmbeddingWorkerSettings {
  /** Absolute folder holding the model's own folder. */
  modelDir: string;
  model: string;
  threads: number;
}

export type EmbeddingWorkerRequest =
  | { type: 'embed'; id: number; texts: string[] }
  /** Finish what is in hand, then end the thread (ending it mid-run aborts the whole process: see the embedder). */
  | { type: 'close' };

export type EmbeddingWorkerReply =
  | { type: 'ready'; dimension: number }
  | { type: 'failed'; message: string }
  /** `rows` vectors of `dims` numbers, one after another in `data` (its buffer is transferred, not copied). */
  | { type: 'vectors'; id: number; rows: number; dims: number; data: Float32Array }
  | { type: 'error'; id: number; message: string };
