import type { Embedder } from '@relay/embeddings';
import { withSpan } from '@relay/observability';
import type { KeywordIndex } from '@relay/retrieval';
import type { StoredChunk, VectorStore } from '@relay/vector-store';
import type { TextChunk } from './token-chunker';

/** Texts per embed() call; the embedder batches further across callers. */
const EMBED_BATCH = 32;

export interface IndexableDocument {
  documentId: string;
  /** Every chunk of the document is stored in it; a document indexed again with another collection moves there. */
  collectionId: string;
  source: string;
  chunks: TextChunk[];
}

/** Indexing failed; `kept` tells whether the document's previous version is still searchable. */
export class DocumentIndexingError extends Error {
  constructor(
    message: string,
    readonly kept: boolean,
  ) {
    super(message);
    this.name = 'DocumentIndexingError';
  }
}

/**
 * Writes a document's chunks to every index (the vector store and the keyword index) all or nothing: it embeds
 * every chunk before touching an index, so a failed embedding leaves the previous version in place; a write that
 * fails part-way removes what was written for the document, so no search ever sees half of it.
 */
export class DocumentIndexer {
  constructor(
    private readonly embedder: Embedder,
    private readonly vectors: VectorStore,
    private readonly keywords: KeywordIndex,
  ) {}

  /** Replaces the document's chunks with these; returns how many are indexed. */
  async replace(doc: IndexableDocument): Promise<number> {
    const stored: StoredChunk[] = doc.chunks.map((c) => ({
      chunkId: `${doc.documentId}#${c.position}`,
      documentId: doc.documentId,
      collectionId: doc.collectionId,
      title: c.title,
      source: doc.source,
      position: c.position,
      ...(c.page !== undefined ? { page: c.page } : {}),
      text: c.text,
    }));
    const vectors: Float32Array[] = [];
    try {
      await withSpan('embed', { attributes: { 'relay.chunks': stored.length } }, async () => {
        for (let i = 0; i < stored.length; i += EMBED_BATCH) {
          // The heading path travels with the text into the embedding: a chunk is found by what its section is about.
          vectors.push(...(await this.embedder.embed(stored.slice(i, i + EMBED_BATCH).map((c) => `${c.title}\n${c.text}`))));
        }
      });
      if (vectors.length !== stored.length) throw new Error(`the embedder returned ${vectors.length} vectors for ${stored.length} chunks`);
    } catch (err) {
      throw new DocumentIndexingError(`embedding failed: ${(err as Error).message}`, true);
    }
    try {
      await withSpan('index', { attributes: { 'relay.chunks': stored.length } }, async () => {
        await this.remove(doc.documentId);
        await this.vectors.upsert(stored.map((chunk, i) => ({ chunk, vector: vectors[i] })));
        await this.keywords.upsert(stored);
      });
    } catch (err) {
      await this.remove(doc.documentId).catch(() => undefined);
      throw new DocumentIndexingError(`writing to the index failed: ${(err as Error).message}`, false);
    }
    return stored.length;
  }

  /** Removes the document from every index; returns how many chunks the vector store held. */
  async remove(documentId: string): Promise<number> {
    const [removed] = await Promise.all([this.vectors.deleteDocument(documentId), this.keywords.deleteDocument(documentId)]);
    return removed;
  }
}
