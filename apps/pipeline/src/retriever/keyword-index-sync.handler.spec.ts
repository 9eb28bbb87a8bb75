import { createEnvelope, DocumentIndexed } from '@relay/contracts';
import { InMemoryKeywordIndex, InMemoryVectorStore, unitVector } from '@relay/testing';
import type { StoredChunk } from '@relay/vector-store';
import { KeywordIndexSyncHandler } from './keyword-index-sync.handler';

const chunk = (documentId: string, position: number, text: string): StoredChunk => ({
  chunkId: `${documentId}#${position}`,
  documentId,
  collectionId: 'default',
  title: documentId,
  source: `${documentId}.md`,
  position,
  text,
});

function setup() {
  const store = new InMemoryVectorStore();
  const keywords = new InMemoryKeywordIndex();
  const sut = new KeywordIndexSyncHandler(store, keywords);
  const hear = (payload: DocumentIndexed) => sut.handle({ ...createEnvelope({ sessionId: payload.documentId, payload }), attempt: 1 } as never);
  return { store, keywords, hear };
}

describe('KeywordIndexSyncHandler', () => {
  it('copies a document indexed elsewhere from the vector store into this keyword index, replacing its old chunks', async () => {
    const { store, keywords, hear } = setup();
    await keywords.upsert([chunk('doc-a', 0, 'old zebra text'), chunk('doc-a', 1, 'stale tail'), chunk('doc-b', 0, 'zebra elsewhere')]);
    await store.upsert([{ chunk: chunk('doc-a', 0, 'new zebra text'), vector: unitVector(1, 0) }, { chunk: chunk('doc-b', 0, 'zebra elsewhere'), vector: unitVector(0, 1) }]);
    await hear({ documentId: 'doc-a', status: 'indexed', chunks: 1 });
    const hits = await keywords.search('zebra', 10);
    expect(hits.map((h) => h.chunk.text).sort()).toEqual(['new zebra text', 'zebra elsewhere']);
    expect(await keywords.search('stale', 10)).toEqual([]);
  });

  it('removes a deleted document and leaves everything alone for a failed one', async () => {
    const { keywords, hear } = setup();
    await keywords.upsert([chunk('doc-a', 0, 'zebra'), chunk('doc-b', 0, 'zebra too')]);
    await hear({ documentId: 'doc-b', status: 'failed', chunks: 0, reason: 'x' });
    expect(await keywords.count()).toBe(2);
    await hear({ documentId: 'doc-a', status: 'deleted', chunks: 1 });
    expect((await keywords.search('zebra', 10)).map((h) => h.chunk.documentId)).toEqual(['doc-b']);
  });
});
