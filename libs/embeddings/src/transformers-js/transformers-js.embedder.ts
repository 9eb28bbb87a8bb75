import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Embedder } from '../embedder.port';
import type { EmbeddingsConfig } from '../embeddings.config';
import type { EmbeddingWorkerReply, EmbeddingWorkerSettings } from './embedding-worker-protocol';

interface PendingEmbed {
  resolve: (vectors: Float32Array[]) => void;
  reject: (err: Error) => void;
}

/**
 * A sentence-embedding model in ONNX run by transformers.js on onnxruntime-node, loaded from a local folder with
 * remote loading off: mean pooling, L2-normalised, dimension read from the model's output.
 *
 * The model runs in a worker thread (embedding-worker.ts): onnxruntime-node computes on the thread that calls it, and
 * on the event loop a batch of queries (or a document being indexed) held up every socket and every other stage while
 * it ran. A worker that dies fails the calls in flight and is started again on the next call. It is never ended
 * while the model runs (Worker.terminate or process.exit then abort the whole process from inside onnxruntime,
 * "terminate called after throwing an instance of 'Napi::Error'"): closing asks it to finish what it holds and
 * end itself.
 */
@Injectable()
export class TransformersJsEmbedder implements Embedder, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(TransformersJsEmbedder.name);
  /** The worker being started or running; undefined when none is (the next call starts one). */
  private worker?: Promise<Worker>;
  private running?: Worker;
  private readonly pending = new Map<number, PendingEmbed>();
  private nextId = 0;
  private dims = 0;
  private closing = false;

  readonly modelName: string;

  constructor(private readonly config: EmbeddingsConfig) {
    this.modelName = config.EMBEDDINGS_MODEL;
  }

  get dimension(): number {
    return this.dims;
  }

  async onModuleInit(): Promise<void> {
    const started = performance.now();
    await this.ensureWorker();
    this.logger.log({ msg: 'embedder loaded', model: this.modelName, dimension: this.dims, loadMs: Math.round(performance.now() - started) });
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    await this.worker?.catch(() => undefined); // one still loading the model is let finish first
    const worker = this.running;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.postMessage({ type: 'close' });
    });
  }

  isReady(): boolean {
    return this.dims > 0;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    if (this.closing) throw new Error('embedder is closed');
    const worker = await this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ type: 'embed', id, texts });
    });
  }

  /** The running worker, or a new one once it has loaded the model. */
  private ensureWorker(): Promise<Worker> {
    this.worker ??= this.startWorker().catch((err: Error) => {
      this.worker = undefined;
      throw err;
    });
    return this.worker;
  }

  private startWorker(): Promise<Worker> {
    const settings: EmbeddingWorkerSettings = {
      modelDir: resolve(this.config.EMBEDDINGS_MODEL_DIR),
      model: this.config.EMBEDDINGS_MODEL,
      threads: this.config.EMBEDDINGS_THREADS,
    };
    const worker = new Worker(join(__dirname, 'embedding-worker.js'), { workerData: settings });
    return new Promise((ready, failed) => {
      worker.on('message', (reply: EmbeddingWorkerReply) => {
        if (reply.type === 'ready') {
          this.dims = reply.dimension;
          this.running = worker;
          ready(worker);
        } else if (reply.type === 'failed') {
          failed(new Error(`embedding model could not be loaded: ${reply.message}`));
          void worker.terminate();
        } else this.settle(reply);
      });
      worker.on('error', (err) => this.workerGone(worker, err));
      worker.on('exit', (code) => {
        this.workerGone(worker, new Error(`embedding worker exited with code ${code}`));
        failed(new Error(`embedding worker exited with code ${code} while loading the model`));
      });
    });
  }

  private settle(reply: Extract<EmbeddingWorkerReply, { type: 'vectors' | 'error' }>): void {
    const call = this.pending.get(reply.id);
    if (!call) return;
    this.pending.delete(reply.id);
    if (reply.type === 'error') return call.reject(new Error(reply.message));
    const { rows, dims, data } = reply;
    // Copies, so a vector kept in an index does not hold on to its whole batch's buffer.
    call.resolve(Array.from({ length: rows }, (_, i) => data.slice(i * dims, (i + 1) * dims)));
  }

  /** Fails every call in flight (the transport retries them) and lets the next call start a new worker. */
  private workerGone(worker: Worker, err: Error): void {
    if (this.running === worker) {
      this.running = undefined;
      this.worker = undefined;
    }
    if (this.closing) return;
    if (this.pending.size > 0) this.logger.error({ msg: 'embedding worker stopped; failing the calls in flight', err: err.message, calls: this.pending.size });
    for (const call of this.pending.values()) call.reject(err);
    this.pending.clear();
  }
}
