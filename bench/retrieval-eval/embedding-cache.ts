import type { Embedder } from '@relay/embeddings';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Embeds texts in batches, or reads the vectors back from `<dir>/<key>.f32` when a previous run with the same key
 * (model files + data + text recipe) saved them: the corpus takes minutes to embed, a rerun should not.
 */
export async function cachedEmbeddings(
  embedder: Embedder,
  texts: string[],
  options: { dir: string; key: string; batchSize: number; onProgress?: (done: number) => void },
): Promise<Float32Array[]> {
  const path = join(options.dir, `${options.key}.f32`);
  if (existsSync(path)) {
    const buffer = readFileSync(path);
    const all = new Float32Array(buffer.buffer, buffer.byteOffset, buffer.byteLength / 4);
    const dims = all.length / texts.length;
    if (Number.isInteger(dims) && dims > 0) return texts.map((_, i) => all.slice(i * dims, (i + 1) * dims));
  }
  const vectors: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += options.batchSize) {
    vectors.push(...(await embedder.embed(texts.slice(i, i + options.batchSize))));
    options.onProgress?.(vectors.length);
  }
  mkdirSync(options.dir, { recursive: true });
  const out = Buffer.concat(vectors.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength)));
  writeFileSync(`${path}.tmp`, out);
  renameSync(`${path}.tmp`, path);
  return vectors;
}

/** A cache key from everything the vectors depend on. */
export function embeddingCacheKey(parts: Array<string | Buffer>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 24);
}
