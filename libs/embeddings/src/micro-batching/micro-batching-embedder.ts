import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Embedder } from '../embedder.port';

export interface MicroBatchingOptions {
  /** Most texts sent to the model in one call. */
  maxBatch: number;
  /** Longest a text waits for others to join its batch while the model is idle. */
  maxWaitMs: number;
  /** Told the size and duration of each model call (the embedder metrics). */
  onBatch?: (size: number, seconds: number) => void;
}

interface PendingRequest {
  texts: string[];
  resolve: (vectors: Float32Array[]) => void;
  reject: (err: unknown) => void;
}

/**
 * Wraps an embedder so that concurrent callers (queries of many sessions, chunks of an ingestion) share model calls:
 * one batch runs at a time, and what arrives meanwhile is sent together as the next batch. A model run costs much
 * less per text in a batch, and the model is single-threaded anyway, so waiting callers lose nothing. While the model
 * is idle a lone text waits at most maxWaitMs for company.
 */
export class MicroBatchingEmbedder implements Embedder, OnModuleInit, OnModuleDestroy {
  private pending: PendingRequest[] = [];
  private pendingTexts = 0;
  private running = false;
  private timer?: NodeJS.Timeout;

  constructor(
    /** The model adapter beneath. */
    readonly inner: Embedder,
    private readonly options: MicroBatchingOptions,
  ) {}

  get modelName(): string {
    return this.inner.modelName;
  }

  get dimension(): number {
    return this.inner.dimension;
  }

  isReady(): boolean {
    return this.inner.isReady();
  }

  /** Nest calls lifecycle hooks on the provider it holds: pass them to the adapter beneath (model load, close). */
  async onModuleInit(): Promise<void> {
    await (this.inner as Partial<OnModuleInit>).onModuleInit?.();
  }

  async onModuleDestroy(): Promise<void> {
    await (this.inner as Partial<OnModuleDestroy>).onModuleDestroy?.();
  }

  embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.pending.push({ texts, resolve, reject });
      this.pendingTexts += texts.length;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running) return; // the running batch flushes what piled up when it ends
    if (this.pendingTexts >= this.options.maxBatch || this.options.maxWaitMs === 0) return this.flush();
    this.timer ??= setTimeout(() => this.flush(), this.options.maxWaitMs);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running || this.pending.length === 0) return;
    // Whole requests until the batch is full; a request larger than a batch goes alone and is split below.
    const taken: PendingRequest[] = [];
    let size = 0;
    while (this.pending.length > 0 && (taken.length === 0 || size + this.pending[0].texts.length <= this.options.maxBatch)) {
      const next = this.pending.shift()!;
      taken.push(next);
      size += next.texts.length;
    }
    this.pendingTexts -= size;
    this.running = true;
    void this.run(taken).finally(() => {
      this.running = false;
      if (this.pending.length > 0) this.flush();
    });
  }

  private async run(requests: PendingRequest[]): Promise<void> {
    try {
      const texts = requests.flatMap((r) => r.texts);
      const vectors: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += this.options.maxBatch) {
        const batch = texts.slice(i, i + this.options.maxBatch);
        const started = performance.now();
        vectors.push(...(await this.inner.embed(batch)));
        this.options.onBatch?.(batch.length, (performance.now() - started) / 1000);
      }
      let offset = 0;
      for (const request of requests) {
        request.resolve(vectors.slice(offset, offset + request.texts.length));
        offset += request.texts.length;
      }
    } catch (err) {
      for (const request of requests) request.reject(err);
    }
  }
}
