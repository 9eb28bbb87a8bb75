import type { ChunkFilter } from '@relay/vector-store';

/** How many chunks, and how many terms they hold together. */
export interface Totals {
  chunks: number;
  length: number;
}

/**
 * Chunk counts and lengths per document and collection, kept as chunks come and go, so BM25 gets the corpus size
 * and average chunk length of whatever a filter lets through without visiting every chunk.
 */
export class ChunkTotals {
  private readonly all: Totals = { chunks: 0, length: 0 };
  private readonly byCollection = new Map<string, Totals>();
  /** documentId → collectionId → totals (a document's chunks normally share one collection). */
  private readonly byDocument = new Map<string, Map<string, Totals>>();

  add(chunk: { documentId: string; collectionId: string }, length: number): void {
    this.change(chunk, length, 1);
  }

  remove(chunk: { documentId: string; collectionId: string }, length: number): void {
    this.change(chunk, length, -1);
  }

  /** The totals of the chunks that pass the filter. */
  of(filter: ChunkFilter | undefined): Totals {
    const collections = filter?.collectionIds && new Set(filter.collectionIds);
    const excluded = new Set(filter?.excludedDocumentIds ?? []);
    const sum: Totals = { chunks: 0, length: 0 };
    const addIn = (perCollection: Map<string, Totals> | undefined, sign: 1 | -1) => {
      for (const [collectionId, t] of perCollection ?? []) {
        if (collections && !collections.has(collectionId)) continue;
        sum.chunks += sign * t.chunks;
        sum.length += sign * t.length;
      }
    };
    if (filter?.documentIds) {
      for (const documentId of new Set(filter.documentIds)) if (!excluded.has(documentId)) addIn(this.byDocument.get(documentId), 1);
      return sum;
    }
    if (collections) {
      for (const collectionId of collections) {
        const t = this.byCollection.get(collectionId);
        if (!t) continue;
        sum.chunks += t.chunks;
        sum.length += t.length;
      }
    } else {
      sum.chunks = this.all.chunks;
      sum.length = this.all.length;
    }
    for (const documentId of excluded) addIn(this.byDocument.get(documentId), -1);
    return sum;
  }

  private change({ documentId, collectionId }: { documentId: string; collectionId: string }, length: number, sign: 1 | -1): void {
    bump(this.all, length, sign);
    bumpIn(this.byCollection, collectionId, length, sign);
    let perCollection = this.byDocument.get(documentId);
    if (!perCollection) this.byDocument.set(documentId, (perCollection = new Map()));
    bumpIn(perCollection, collectionId, length, sign);
    if (perCollection.size === 0) this.byDocument.delete(documentId);
  }
}

function bump(t: Totals, length: number, sign: 1 | -1): void {
  t.chunks += sign;
  t.length += sign * length;
}

function bumpIn(map: Map<string, Totals>, key: string, length: number, sign: 1 | -1): void {
  let t = map.get(key);
  if (!t) map.set(key, (t = { chunks: 0, length: 0 }));
  bump(t, length, sign);
  if (t.chunks === 0) map.delete(key);
}
