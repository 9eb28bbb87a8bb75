export const EMBEDDING_TOKENIZER = Symbol('EMBEDDING_TOKENIZER');

/** Counts tokens the way the embedder does, so a chunk is cut to fit the model's window, not guessed by characters. */
export interface EmbeddingTokenizer {
  /** Longest input the embedder reads, in tokens, its special tokens ([CLS], [SEP]) included. */
  readonly maxTokens: number;
  /** Special tokens the model adds around every input. */
  readonly specialTokens: number;
  isReady(): boolean;
  /** Tokens of the text, special tokens excluded. */
  count(text: string): number;
}
