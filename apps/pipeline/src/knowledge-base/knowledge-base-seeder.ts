import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EMBEDDER, Embedder } from '@relay/embeddings';
import { ReadinessRegistry } from '@relay/observability';
import { StoredChunk, VECTOR_STORE, VectorStore } from '@relay/vector-store';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { PIPELINE_CONFIG, PipelineConfig } from '../pipeline.config';
import { chunkMarkdown } from './markdown-chunker';

export const KNOWLEDGE_BASE_MANIFEST = Symbol('KNOWLEDGE_BASE_MANIFEST');

const EMBED_BATCH = 16;

/**
 * Indexes the sample knowledge base (Markdown files under KNOWLEDGE_BASE_DIR) into the vector store at start-up,
 * in the background. A manifest of content hashes under DATA_DIR makes it idempotent: unchanged files are skipped,
 * changed ones re-indexed, removed ones deleted, so a restart costs nothing.
 */
@Injectable()
export class KnowledgeBaseSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger(KnowledgeBaseSeeder.name);
  private state: 'pending' | 'indexing' | 'ready' | 'failed' = 'pending';
  private documents = 0;

  constructor(
    @Inject(EMBEDDER) private readonly embedder: Embedder,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(PIPELINE_CONFIG) private readonly config: PipelineConfig,
    @Inject(KNOWLEDGE_BASE_MANIFEST) private readonly manifestPath: string,
    readiness: ReadinessRegistry,
  ) {
    readiness.register({
      name: 'knowledge-base',
      check: () => ({ ready: this.state === 'ready', details: { state: this.state, documents: this.documents } }),
    });
  }

  onApplicationBootstrap(): void {
    if (!this.config.SEED_KNOWLEDGE_BASE) {
      this.state = 'ready';
      return;
    }
    void this.seed().catch((err: Error) => {
      this.state = 'failed';
      this.logger.error({ msg: 'knowledge base indexing failed', err: err.message });
    });
  }

  async seed(): Promise<void> {
    this.state = 'indexing';
    const started = performance.now();
    const dir = this.config.KNOWLEDGE_BASE_DIR;
    const files = existsSync(dir) ? (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.md')).sort() : [];
    const previous: Record<string, string> = existsSync(this.manifestPath) ? JSON.parse(await readFile(this.manifestPath, 'utf8')) : {};
    const next: Record<string, string> = {};
    let indexed = 0;

    for (const file of files) {
      const path = join(dir, file);
      const content = await readFile(path, 'utf8');
      const documentId = `kb:${file.replace(/\\/g, '/')}`;
      const hash = createHash('sha256').update(content).digest('hex');
      next[documentId] = hash;
      if (previous[documentId] === hash) continue;
      await this.store.deleteDocument(documentId);
      await this.index(documentId, relative(process.cwd(), path), basename(file, '.md'), content);
      indexed++;
    }
    for (const documentId of Object.keys(previous)) if (!(documentId in next)) await this.store.deleteDocument(documentId);

    await mkdir(dirname(this.manifestPath), { recursive: true });
    await writeFile(this.manifestPath, JSON.stringify(next, null, 2));
    this.documents = files.length;
    this.state = 'ready';
    this.logger.log({ msg: 'knowledge base ready', documents: files.length, indexed, chunks: await this.store.count(), ms: Math.round(performance.now() - started) });
  }

  private async index(documentId: string, source: string, fallbackTitle: string, markdown: string): Promise<void> {
    const { title = fallbackTitle, chunks } = chunkMarkdown(markdown);
    const stored: StoredChunk[] = chunks.map((c) => ({
      chunkId: `${documentId}#${c.position}`,
      documentId,
      title: c.heading && c.heading !== title ? `${title} — ${c.heading.split(' › ').pop()}` : title,
      source,
      position: c.position,
      text: c.text,
    }));
    for (let i = 0; i < stored.length; i += EMBED_BATCH) {
      const batch = stored.slice(i, i + EMBED_BATCH);
      // The heading travels with the text into the embedding: a chunk is found by what its section is about.
      const vectors = await this.embedder.embed(batch.map((c) => `${c.title}\n${c.text}`));
      await this.store.upsert(batch.map((chunk, j) => ({ chunk, vector: vectors[j] })));
    }
  }
}
