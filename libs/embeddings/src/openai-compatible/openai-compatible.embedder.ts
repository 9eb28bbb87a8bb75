import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Embedder } from '../embedder.port';
import type { EmbeddingsConfig } from '../embeddings.config';

/** An answer the embeddings server gave that is not what the API promises, or no answer at all. */
export class EmbeddingsServerError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'EmbeddingsServerError';
  }
}

export interface EmbedderProbeOptions {
  /** First wait before probing again after a failed probe; doubles up to maxDelayMs. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** Longest wait for one request (probe or embed). */
  timeoutMs: number;
}

const DEFAULT_PROBE: EmbedderProbeOptions = { firstDelayMs: 1000, maxDelayMs: 30_000, timeoutMs: 60_000 };

interface EmbeddingsResponse {
  data?: Array<{ index?: number; embedding?: unknown }>;
}

/**
 * Embeddings from any server that speaks OpenAI's POST /embeddings (vLLM, Ollama, llama.cpp's server with
 * --embedding, hosted APIs). Vectors come back in input order (sorted by `index`) and are L2-normalised here, whatever
 * the server does, so cosine similarity stays a dot product. The dimension is learned from a probe embedding at
 * start-up; as with OpenAiCompatibleLlm, a server that is down then does not stop start-up: the probe is retried in the
 * background and isReady() says false until it succeeds. Every later answer must keep that dimension: a server that
 * switched models would otherwise mix incomparable vectors into the index.
 */
@Injectable()
export class OpenAiCompatibleEmbedder implements Embedder, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(OpenAiCompatibleEmbedder.name);
  private readonly baseUrl: string;
  private resolvedModel = '';
  private dims = 0;
  private probeTimer?: NodeJS.Timeout;
  private probeDelayMs: number;
  private destroyed = false;

  constructor(
    private readonly config: EmbeddingsConfig,
    private readonly probe: EmbedderProbeOptions = DEFAULT_PROBE,
  ) {
    // Trailing slashes dropped by a loop: `/\/+$/` backtracks quadratically on a long run of slashes.
    let base = config.EMBEDDINGS_BASE_URL;
    while (base.endsWith('/')) base = base.slice(0, -1);
    this.baseUrl = base;
    this.probeDelayMs = probe.firstDelayMs;
  }

  get modelName(): string {
    return this.config.EMBEDDINGS_API_MODEL || this.resolvedModel || '(first model the server lists)';
  }

  get dimension(): number {
    return this.dims;
  }

  async onModuleInit(): Promise<void> {
    if (!(await this.probeOnce())) this.scheduleProbe();
  }

  onModuleDestroy(): void {
    this.destroyed = true;
    clearTimeout(this.probeTimer);
  }

  isReady(): boolean {
    return this.dims > 0;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const url = `${this.baseUrl}/embeddings`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { ...this.headers(), 'content-type': 'application/json' },
        body: JSON.stringify({ model: await this.modelForRequest(), input: texts }),
        signal: AbortSignal.timeout(this.probe.timeoutMs),
      });
    } catch (err) {
      if (err instanceof EmbeddingsServerError) throw err;
      throw new EmbeddingsServerError(`embeddings server unreachable at POST ${url}: ${describe(err)}`);
    }
    if (!res.ok) throw new EmbeddingsServerError(`embeddings server answered ${res.status} ${res.statusText} to POST ${url}: ${await bodyExcerpt(res)}`, res.status);
    const body = (await res.json().catch(() => ({}))) as EmbeddingsResponse;
    const rows = body.data ?? [];
    if (rows.length !== texts.length) {
      throw new EmbeddingsServerError(`embeddings server returned ${rows.length} embeddings for ${texts.length} inputs from POST ${url}`);
    }
    // The API promises an `index` per row, not the order of the rows.
    const ordered = rows.map((row, i) => ({ index: typeof row.index === 'number' ? row.index : i, embedding: row.embedding }));
    ordered.sort((a, b) => a.index - b.index);
    const vectors = ordered.map(({ embedding }) => normalise(pool(embedding, url)));
    const dims = vectors[0].length;
    if (vectors.some((v) => v.length !== dims) || (this.dims && dims !== this.dims)) {
      throw new EmbeddingsServerError(
        `embeddings server returned vectors of ${[...new Set(vectors.map((v) => v.length))].join('/')} dimensions, expected ${this.dims || dims}, from POST ${url}`,
      );
    }
    // Any success teaches the dimension, so a server that was down at start-up makes the embedder ready on first use.
    if (!this.dims) this.dims = dims;
    return vectors;
  }

  private headers(): Record<string, string> {
    return this.config.EMBEDDINGS_API_KEY ? { authorization: `Bearer ${this.config.EMBEDDINGS_API_KEY}` } : {};
  }

  private async modelForRequest(): Promise<string> {
    if (this.config.EMBEDDINGS_API_MODEL) return this.config.EMBEDDINGS_API_MODEL;
    if (this.resolvedModel) return this.resolvedModel;
    const url = `${this.baseUrl}/models`;
    let res: Response;
    try {
      res = await fetch(url, { headers: this.headers(), signal: AbortSignal.timeout(this.probe.timeoutMs) });
    } catch (err) {
      throw new EmbeddingsServerError(`embeddings server unreachable at GET ${url}: ${describe(err)}`);
    }
    if (!res.ok) throw new EmbeddingsServerError(`embeddings server answered ${res.status} ${res.statusText} to GET ${url}: ${await bodyExcerpt(res)}`, res.status);
    const list = (await res.json().catch(() => ({}))) as { data?: Array<{ id?: unknown }> };
    const id = list.data?.map((m) => m.id).find((x): x is string => typeof x === 'string');
    if (!id) throw new EmbeddingsServerError(`embeddings server lists no models at GET ${url}: set EMBEDDINGS_API_MODEL`);
    this.resolvedModel = id;
    return id;
  }

  private async probeOnce(): Promise<boolean> {
    try {
      const started = performance.now();
      await this.embed(['dimension probe']);
      this.logger.log({ msg: 'embedder reachable', baseUrl: this.baseUrl, model: this.modelName, dimension: this.dims, probeMs: Math.round(performance.now() - started) });
      return true;
    } catch (err) {
      this.logger.warn({ msg: 'embeddings server not reachable yet; retrying in the background', error: describe(err), retryInMs: this.probeDelayMs });
      return false;
    }
  }

  private scheduleProbe(): void {
    if (this.destroyed || this.probeTimer) return;
    this.probeTimer = setTimeout(async () => {
      this.probeTimer = undefined;
      if (this.destroyed || this.dims) return;
      if (await this.probeOnce()) return;
      this.probeDelayMs = Math.min(this.probeDelayMs * 2, this.probe.maxDelayMs);
      this.scheduleProbe();
    }, this.probeDelayMs);
    this.probeTimer.unref();
  }
}

/**
 * One vector per input. A sentence-embedding model gives a flat number[]. llama.cpp's servers given a model without a
 * pooling type (a chat model started with --embedding, e.g. SmolLM2) return one vector per token instead (number[][]):
 * those are mean-pooled here, which makes the wire format work but is no substitute for a real embedding model.
 */
function pool(embedding: unknown, url: string): Float32Array {
  if (Array.isArray(embedding) && embedding.length > 0 && embedding.every((x) => typeof x === 'number')) {
    return Float32Array.from(embedding as number[]);
  }
  if (Array.isArray(embedding) && embedding.length > 0 && embedding.every((t) => Array.isArray(t) && t.length === (embedding[0] as unknown[]).length && t.every((x) => typeof x === 'number'))) {
    const tokens = embedding as number[][];
    const mean = new Float32Array(tokens[0].length);
    for (const token of tokens) for (let i = 0; i < mean.length; i++) mean[i] += token[i];
    for (let i = 0; i < mean.length; i++) mean[i] /= tokens.length;
    return mean;
  }
  throw new EmbeddingsServerError(`embeddings server returned an embedding that is neither number[] nor number[][] from POST ${url}`);
}

/** L2-normalised in place; a zero vector stays zero rather than becoming NaNs. */
function normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] /= norm;
  return v;
}

async function bodyExcerpt(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat || '(empty body)';
}

function describe(err: unknown): string {
  // Duck-typed: fetch's errors come from Node's own realm, where `instanceof Error` against ours can be false.
  const message = (e: unknown) => (typeof e === 'object' && e !== null && 'message' in e ? String(e.message) : String(e));
  // undici hides the reason (ECONNREFUSED, ...) in `cause`.
  const cause = typeof err === 'object' && err !== null && 'cause' in err ? err.cause : undefined;
  return cause ? `${message(err)} (${message(cause)})` : message(err);
}
