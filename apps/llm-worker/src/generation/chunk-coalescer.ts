/**
 * Gathers the model's pieces of text into chunks: one is emitted when `maxWaitMs` passed since its first piece or
 * when it holds `maxPieces`, whichever comes first, so a fast model does not cost one record per token while a
 * reader still sees text within a few tens of milliseconds.
 */
export class ChunkCoalescer {
  private pending = '';
  private pieces = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly maxWaitMs: number,
    private readonly maxPieces: number,
    private readonly emit: (delta: string) => void,
  ) {}

  push(piece: string): void {
    if (!piece) return;
    this.pending += piece;
    this.pieces++;
    if (this.pieces >= this.maxPieces || this.maxWaitMs === 0) return this.flush();
    this.timer ??= setTimeout(() => this.flush(), this.maxWaitMs);
  }

  /** Emits whatever is pending now (at the end of a generation, or on cancel). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending) return;
    const delta = this.pending;
    this.pending = '';
    this.pieces = 0;
    this.emit(delta);
  }
}
