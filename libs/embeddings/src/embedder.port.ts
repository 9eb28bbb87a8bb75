export const EMBEDDER = Symbol('EMBEDDER');

/** Turns texts into normalised vectors (cosine similarity = dot product). */
export interface Embedder {
  readonly modelName: string;
  /** Known once the model is loaded. */
  readonly dimension: number;
  isReady(): boolean;
  embed(texts: string[]): Promise<Float32Array[]>;
}
