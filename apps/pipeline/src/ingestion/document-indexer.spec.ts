import { ControllableEmbedder, InMemoryKeywordIndex, InMemoryVectorStore } from '@relay/testing';
import { DocumentIndexer, DocumentIndexingError } from './document-indexer';
import type { TextChunk } from './token-chunker';

const chunk = (position: number, text: string, page?: number): TextChunk => ({ position, title: 'Doc', text, tokens: 1, ...(page ? { page } : {}) });

function setup() {
  const fakes = { embedder: new ControllableEmbedder(), vectors: new InMemoryVectorStore(), keywords: new InMemoryKeywordIndex() };
  return { sut: new DocumentIndexer(fakes.embedder, fakes.vectors, fakes.keywords), ...fakes };
}

describe('DocumentIndexer', () => {
  it('writes every chunk, with document id, source, position and page, to both indexes, replacing the old version', async () => {
    const { sut, vectors, keywords } = setup();
    await sut.replace({ documentId: 'd1', collectionId: 'default', source: 'a.pdf', chunks: [chunk(0, 'old one'), chunk(1, 'old two'), chunk(2, 'old three')] });

    expect(await sut.replace({ documentId: 'd1', collectionId: 'default', source: 'a.pdf', chunks: [chunk(0, 'new', 4)] })).toBe(1);

    expect(keywords.chunksOf('d1')).toEqual([{ chunkId: 'd1#0', documentId: 'd1', collectionId: 'default', title: 'Doc', source: 'a.pdf', position: 0, page: 4, text: 'new' }]);
    expect(await vectors.count()).toBe(1);
  });

  it("stores every chunk in the document's collection, and moves them all when it is indexed into another", async () => {
    const { sut, vectors, keywords } = setup();
    await sut.replace({ documentId: 'd1', collectionId: 'team-a', source: 's', chunks: [chunk(0, 'one'), chunk(1, 'two')] });
    const inCollection = async (collectionId: string) => {
      const found: string[] = [];
      for await (const c of vectors.chunks({ collectionIds: [collectionId] })) found.push(c.chunkId);
      return found.sort();
    };
    expect(await inCollection('team-a')).toEqual(['d1#0', 'd1#1']);
    expect(keywords.chunksOf('d1').map((c) => c.collectionId)).toEqual(['team-a', 'team-a']);

    await sut.replace({ documentId: 'd1', collectionId: 'team-b', source: 's', chunks: [chunk(0, 'one'), chunk(1, 'two')] });

    expect(await inCollection('team-a')).toEqual([]);
    expect(await inCollection('team-b')).toEqual(['d1#0', 'd1#1']);
    expect(keywords.chunksOf('d1').map((c) => c.collectionId)).toEqual(['team-b', 'team-b']);
  });

  it('keeps the previous version when embedding fails, and says so', async () => {
    const { sut, embedder, vectors } = setup();
    await sut.replace({ documentId: 'd1', collectionId: 'default', source: 's', chunks: [chunk(0, 'kept')] });
    embedder.failWith = new Error('model crashed');

    const err = await sut.replace({ documentId: 'd1', collectionId: 'default', source: 's', chunks: [chunk(0, 'x'), chunk(1, 'y')] }).catch((e) => e);

    expect(err).toBeInstanceOf(DocumentIndexingError);
    expect(err).toMatchObject({ kept: true, message: 'embedding failed: model crashed' });
    expect((await vectors.search(new Float32Array(8).fill(0.35), 5)).map((h) => h.chunk.text)).toEqual(['kept']);
  });

  it('leaves nothing of the document in either index when a write fails part-way', async () => {
    const { sut, vectors, keywords } = setup();
    keywords.failWith = new Error('disk full');

    await expect(sut.replace({ documentId: 'd1', collectionId: 'default', source: 's', chunks: [chunk(0, 'a'), chunk(1, 'b')] })).rejects.toMatchObject({ kept: false });

    keywords.failWith = undefined;
    expect(await vectors.count()).toBe(0);
    expect(keywords.chunksOf('d1')).toEqual([]);
  });

  it('removes a document from both indexes and reports how many chunks it had', async () => {
    const { sut, vectors, keywords } = setup();
    await sut.replace({ documentId: 'd1', collectionId: 'default', source: 's', chunks: [chunk(0, 'a'), chunk(1, 'b')] });
    await sut.replace({ documentId: 'd2', collectionId: 'default', source: 's', chunks: [chunk(0, 'c')] });

    expect(await sut.remove('d1')).toBe(2);
    expect(await vectors.count()).toBe(1);
    expect(keywords.chunksOf('d1')).toEqual([]);
    expect(keywords.chunksOf('d2')).toHaveLength(1);
  });
});
