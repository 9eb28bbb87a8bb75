import type { EmbeddingTokenizer } from '@relay/embeddings';

/** A tokenizer for tests: one token per whitespace-separated word, so expected counts can be worked out by hand. */
export class WordTokenizer implements EmbeddingTokenizer {
  readonly specialTokens = 2;

  constructor(readonly maxTokens = 256) {}

  isReady(): boolean {
    return true;
  }

  count(text: string): number {
    return text.split(/\s+/).filter(Boolean).length;
  }
}
