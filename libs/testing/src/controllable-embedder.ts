import type { Embedder } from '@relay/embeddings';
import { createHash } from 'node:crypto';

/**
 * A deterministic embedder (a hash of the text spread over `dimension` values, normalised) that a test can make
 * fail (`failWith`) or hold (`hold()` until `release()`).
 */
export class ControllableEmbedder implements Embedder {
  readonly modelName = 'controllable';
  failWith: Error | undefined;
  calls = 0;
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;

  constructor(readonly dimension = 8) {}

  isReady(): boolean {
    return true;
  }

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    this.calls++;
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
    return texts.map((text) => {
      const bytes = createHash('sha256').update(text).digest();
      const v = Float32Array.from({ length: this.dimension }, (_, i) => bytes[i] / 255 - 0.5);
      const norm = Math.hypot(...v) || 1;
      return v.map((x) => x / norm);
    });
  }
}
