import type { EmbeddingTokenizer } from '../embedding-tokenizer.port';

/**
 * For a remote embedder whose tokenizer is not on disk: an upper-bound estimate (each word and punctuation mark
 * one token, plus one per 4 characters of a long word), so chunks stay within the window without the real one.
 */
export class EstimatingTokenizer implements EmbeddingTokenizer {
  readonly specialTokens = 2;

  constructor(readonly maxTokens = 256) {}

  isReady(): boolean {
    return true;
  }

  count(text: string): number {
    let tokens = 0;
    for (const piece of text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? []) tokens += 1 + Math.floor(piece.length / 4);
    return tokens;
  }
}
