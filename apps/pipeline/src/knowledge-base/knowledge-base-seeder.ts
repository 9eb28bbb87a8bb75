import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DEFAULT_COLLECTION_ID, firstMarkdownTitle } from '@relay/contracts';
import { ReadinessRegistry } from '@relay/observability';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { DocumentIndexer } from '../ingestion/document-indexer';
import { TokenChunker } from '../ingestion/token-chunker';
import { PIPELINE_CONFIG, PipelineConfig } from '../pipeline.config';

export const KNOWLEDGE_BASE_MANIFEST = Symbol('KNOWLEDGE_BASE_MANIFEST');

/**
 * Indexes the sample knowledge base (Markdown files under KNOWLEDGE_BASE_DIR) at start-up, in the background,
 * through the same chunker and indexer as uploaded documents, so into every index. A manifest of content hashes
 * under DATA_DIR makes it idempotent: unchanged files are skipped, changed ones re-indexed, removed ones deleted,
 * so a restart costs nothing.
 */
@Injectable()
export class KnowledgeBaseSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger(KnowledgeBaseSeeder.name);
  private state: 'pending' | 'indexing' | 'ready' | 'failed' = 'pending';
  private documents = 0;

  constructor(
    private readonly chunker: TokenChunker,
    private readonly indexer: DocumentIndexer,
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
    void this.seedWithRetries();
  }

  /**
   * A failure (the vector store briefly unreachable, say) is tried again with backoff, 1 s doubling to at most 60 s,
   * rather than leaving the process unready for good; readiness says `failed` with the reason meanwhile. Seeding is
   * idempotent, so a retry redoes only what did not complete.
   */
  private async seedWithRetries(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.seed();
      } catch (err) {
        this.state = 'failed';
        const retryInMs = Math.min(60_000, 1000 * 2 ** (attempt - 1));
        this.logger.error({ msg: 'knowledge base indexing failed; trying again', err: (err as Error).message, attempt, retryInMs });
        await new Promise((r) => setTimeout(r, retryInMs).unref());
      }
    }
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
      await this.index(documentId, relative(process.cwd(), path), basename(file, '.md'), content);
      indexed++;
    }
    for (const documentId of Object.keys(previous)) if (!(documentId in next)) await this.indexer.remove(documentId);

    await mkdir(dirname(this.manifestPath), { recursive: true });
    await writeFile(this.manifestPath, JSON.stringify(next, null, 2));
    this.documents = files.length;
    this.state = 'ready';
    this.logger.log({ msg: 'knowledge base ready', documents: files.length, indexed, ms: Math.round(performance.now() - started) });
  }

  private async index(documentId: string, source: string, fallbackTitle: string, markdown: string): Promise<void> {
    const title = firstMarkdownTitle(markdown) ?? fallbackTitle;
    const chunks = this.chunker.chunk({ title, format: 'markdown', sections: [{ text: markdown }] });
    // The sample knowledge base is `default`'s, like every document uploaded without naming a collection.
    await this.indexer.replace({ documentId, collectionId: DEFAULT_COLLECTION_ID, source, chunks });
  }
}
