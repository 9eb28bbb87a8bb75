import type { StoredChunk } from '@relay/vector-store';
import { InMemoryVectorStore, unitVector } from '@relay/testing';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Bm25KeywordIndex } from './bm25-keyword-index';

const chunk = (id: string, text: string, extra: Partial<StoredChunk> = {}): StoredChunk => ({
  chunkId: `chunk-${id}`,
  documentId: `doc-${id}`,
  collectionId: 'default',
  title: '',
  source: `${id}.md`,
  position: 0,
  text,
  ...extra,
});

describe('Bm25KeywordIndex', () => {
  let dir: string;
  let path: string;

  const setup = async (parameters = { k1: 0.9, b: 0.4 }) => {
    const sut = new Bm25KeywordIndex(path, parameters);
    await sut.onModuleInit();
    return sut;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'relay-bm25-'));
    path = join(dir, 'keyword', 'index.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('ranks the chunk that matches more, and rarer, query terms first', async () => {
    const sut = await setup();
    await sut.upsert([
      chunk('a', 'kafka brokers replicate partitions'),
      chunk('b', 'the gateway talks socket.io to browsers'),
      chunk('c', 'kafka consumer groups and the gateway'),
      chunk('d', 'partitions of a topic'),
    ]);
    const hits = await sut.search('How does Kafka replicate partitions?', 10);
    expect(hits.map((h) => h.chunk.chunkId)).toEqual(['chunk-a', 'chunk-d', 'chunk-c']);
    expect(hits[0].score).toBeGreaterThan(hits[1].score);
  });

  it('computes Lucene BM25 scores', async () => {
    const sut = await setup({ k1: 1.2, b: 0.75 });
    await sut.upsert([chunk('a', 'apple apple banana'), chunk('b', 'banana cherry'), chunk('c', 'cherry date fig grape')]);
    // "apple": df 1 of 3 chunks, tf 2 in a chunk of length 3; average length 3.
    const idf = Math.log(1 + (3 - 1 + 0.5) / (1 + 0.5));
    const expected = (idf * (2 * 2.2)) / (2 + 1.2 * (1 - 0.75 + 0.75 * (3 / 3)));
    const [hit] = await sut.search('apple', 1);
    expect(hit.chunk.chunkId).toBe('chunk-a');
    expect(hit.score).toBeCloseTo(expected, 10);
  });

  it('matches inflected forms through the stemmer and indexes the title too', async () => {
    const sut = await setup();
    await sut.upsert([chunk('a', 'nothing relevant here', { title: 'Running replicas' }), chunk('b', 'other words entirely')]);
    expect((await sut.search('replica runs', 5)).map((h) => h.chunk.chunkId)).toEqual(['chunk-a']);
  });

  it('returns nothing for a query of stop words, for k 0, and on an empty index', async () => {
    const sut = await setup();
    expect(await sut.search('kafka', 3)).toEqual([]);
    await sut.upsert([chunk('a', 'the kafka broker')]);
    expect(await sut.search('the and of', 3)).toEqual([]);
    expect(await sut.search('kafka', 0)).toEqual([]);
  });

  it('replaces a chunk upserted again under the same id, leaving no trace of its old terms', async () => {
    const sut = await setup();
    await sut.upsert([chunk('a', 'old words about zebras'), chunk('b', 'filler text')]);
    await sut.upsert([chunk('a', 'new words about lions')]);
    expect(await sut.count()).toBe(2);
    expect(await sut.search('zebras', 5)).toEqual([]);
    expect((await sut.search('lions', 5))[0].chunk.text).toBe('new words about lions');
  });

  it('deletes every chunk of a document and reports how many', async () => {
    const sut = await setup();
    await sut.upsert([
      chunk('1', 'kafka one', { documentId: 'doc-x' }),
      chunk('2', 'kafka two', { documentId: 'doc-x' }),
      chunk('3', 'kafka three', { documentId: 'doc-y' }),
    ]);
    expect(await sut.deleteDocument('doc-x')).toBe(2);
    expect(await sut.deleteDocument('doc-x')).toBe(0);
    expect((await sut.search('kafka', 5)).map((h) => h.chunk.chunkId)).toEqual(['chunk-3']);
  });

  describe('filtered by scope', () => {
    // "big" holds many chunks that match the query better; "small" a few weaker ones.
    const seed = async () => {
      const sut = await setup({ k1: 1.2, b: 0.75 });
      await sut.upsert([
        ...Array.from({ length: 40 }, (_, i) => chunk(`big-${i}`, 'kafka kafka partition rebalancing broker', { documentId: `doc-big-${i % 4}`, collectionId: 'big' })),
        ...Array.from({ length: 6 }, (_, i) => chunk(`small-${i}`, `kafka notes ${'filler '.repeat(i)}`, { documentId: `doc-small-${i % 2}`, collectionId: 'small' })),
        chunk('other', 'nothing about it', { collectionId: 'small' }),
      ]);
      return sut;
    };

    it('gives a reader of one small collection its full top-k, though larger collections match better', async () => {
      const sut = await seed();
      expect((await sut.search('kafka partition', 5)).every((h) => h.chunk.collectionId === 'big')).toBe(true);
      const hits = await sut.search('kafka partition', 5, { collectionIds: ['small'] });
      expect(hits.map((h) => h.chunk.chunkId)).toEqual(['chunk-small-0', 'chunk-small-1', 'chunk-small-2', 'chunk-small-3', 'chunk-small-4']);
      expect(await sut.search('kafka partition', 50, { collectionIds: ['small'] })).toHaveLength(6);
    });

    it('scores a scope as an index holding only its chunks would: nothing outside it moves a score', async () => {
      const sut = await seed();
      const alone = new Bm25KeywordIndex(join(dir, 'alone.json'), { k1: 1.2, b: 0.75 });
      await alone.onModuleInit();
      await alone.upsert([
        ...Array.from({ length: 6 }, (_, i) => chunk(`small-${i}`, `kafka notes ${'filler '.repeat(i)}`, { documentId: `doc-small-${i % 2}`, collectionId: 'small' })),
        chunk('other', 'nothing about it', { collectionId: 'small' }),
      ]);
      const scoped = await sut.search('kafka notes', 10, { collectionIds: ['small'] });
      const expected = await alone.search('kafka notes', 10);
      expect(scoped.map((h) => h.chunk.chunkId)).toEqual(expected.map((h) => h.chunk.chunkId));
      scoped.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i].score, 10));
      // Excluding a document is the same as not having it.
      await alone.deleteDocument('doc-small-0');
      const excluded = await sut.search('kafka notes', 10, { collectionIds: ['small', 'nobody'], excludedDocumentIds: ['doc-small-0'] });
      const withoutIt = await alone.search('kafka notes', 10);
      expect(excluded.map((h) => [h.chunk.chunkId, h.score.toFixed(10)])).toEqual(withoutIt.map((h) => [h.chunk.chunkId, h.score.toFixed(10)]));
    });

    it('finds nothing for an empty scope, a collection with no chunks, or a scope whose only documents are excluded', async () => {
      const sut = await seed();
      expect(await sut.search('kafka', 10, { collectionIds: [] })).toEqual([]);
      expect(await sut.search('kafka', 10, { collectionIds: ['nobody'] })).toEqual([]);
      expect(await sut.search('kafka', 10, { collectionIds: ['small'], excludedDocumentIds: ['doc-small-0', 'doc-small-1', 'doc-other'] })).toEqual([]);
    });

    it('follows a document moved to another collection, and keeps the counts right through replaces and deletes', async () => {
      const sut = await seed();
      await sut.upsert(Array.from({ length: 40 }, (_, i) => chunk(`big-${i}`, 'kafka kafka partition rebalancing broker', { documentId: `doc-big-${i % 4}`, collectionId: i % 4 === 0 ? 'small' : 'big' })));
      const moved = await sut.search('rebalancing', 50, { collectionIds: ['small'] });
      expect(new Set(moved.map((h) => h.chunk.documentId))).toEqual(new Set(['doc-big-0']));
      expect(moved).toHaveLength(10);
      await sut.deleteDocument('doc-big-0');
      // Back to the seed's small collection: the same scores as an index that never saw the move.
      const fresh = new Bm25KeywordIndex(join(dir, 'fresh.json'), { k1: 1.2, b: 0.75 });
      await fresh.onModuleInit();
      await fresh.upsert([
        ...Array.from({ length: 40 }, (_, i) => chunk(`big-${i}`, 'kafka kafka partition rebalancing broker', { documentId: `doc-big-${i % 4}`, collectionId: 'big' })).filter((c) => c.documentId !== 'doc-big-0'),
        ...Array.from({ length: 6 }, (_, i) => chunk(`small-${i}`, `kafka notes ${'filler '.repeat(i)}`, { documentId: `doc-small-${i % 2}`, collectionId: 'small' })),
        chunk('other', 'nothing about it', { collectionId: 'small' }),
      ]);
      const now = await sut.search('kafka notes', 10, { collectionIds: ['small'] });
      const then = await fresh.search('kafka notes', 10, { collectionIds: ['small'] });
      expect(now.map((h) => [h.chunk.chunkId, h.score.toFixed(10)])).toEqual(then.map((h) => [h.chunk.chunkId, h.score.toFixed(10)]));
    });

    it('reads a file written before collections existed: its chunks are the default collection’s', async () => {
      const { collectionId: _none, ...old } = chunk('a', 'kafka partitions');
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, JSON.stringify({ version: 1, chunks: [old] }));
      const sut = await setup();
      expect((await sut.search('kafka', 5, { collectionIds: ['default'] }))[0].chunk).toEqual(chunk('a', 'kafka partitions'));
      expect(await sut.search('kafka', 5, { collectionIds: ['team-a'] })).toEqual([]);
    });
  });

  it('persists with write-then-rename and reloads the same index at start', async () => {
    const first = await setup();
    await first.upsert([chunk('a', 'kafka partitions', { page: 3 }), chunk('b', 'socket gateway')]);
    await first.deleteDocument('doc-b');
    expect(existsSync(`${path}.tmp`)).toBe(false);

    const second = await setup();
    expect(second.isReady()).toBe(true);
    expect(await second.count()).toBe(1);
    const [hit] = await second.search('partition', 1);
    expect(hit.chunk).toEqual(chunk('a', 'kafka partitions', { page: 3 }));
    expect(hit.score).toBeCloseTo((await first.search('partition', 1))[0].score, 10);
  });

  it('refuses a file that is not a version 1 index, naming the file', async () => {
    await (await setup()).upsert([chunk('a', 'x')]);
    writeFileSync(path, JSON.stringify({ version: 7, chunks: [] }));
    await expect(setup()).rejects.toThrow(`keyword index ${path} is not a version 1 index`);
  });

  it('rejects parameters out of range', () => {
    expect(() => new Bm25KeywordIndex(path, { k1: -1, b: 0.4 })).toThrow('BM25 k1 must be a number ≥ 0, got -1');
    expect(() => new Bm25KeywordIndex(path, { k1: 0.9, b: 1.5 })).toThrow('BM25 b must be a number between 0 and 1, got 1.5');
  });

  describe('when its file is missing', () => {
    const seededStore = async () => {
      const store = new InMemoryVectorStore();
      await store.upsert([
        { chunk: chunk('a', 'kafka partitions'), vector: unitVector(1, 0) },
        { chunk: chunk('b', 'socket gateway'), vector: unitVector(0, 1) },
      ]);
      return store;
    };

    it('rebuilds from the vector store after start-up and saves the file', async () => {
      const sut = new Bm25KeywordIndex(path, undefined, await seededStore());
      await sut.onModuleInit();
      expect(await sut.count()).toBe(0);
      await sut.onApplicationBootstrap();
      expect(sut.isReady()).toBe(true);
      expect(await sut.count()).toBe(2);
      expect((await sut.search('gateway', 1))[0].chunk.chunkId).toBe('chunk-b');
      expect(JSON.parse(readFileSync(path, 'utf8')).chunks).toHaveLength(2);
    });

    it('keeps a chunk upserted before the rebuild rather than the vector store copy', async () => {
      const sut = new Bm25KeywordIndex(path, undefined, await seededStore());
      await sut.onModuleInit();
      await sut.upsert([chunk('a', 'rewritten about zebras')]);
      await sut.onApplicationBootstrap();
      expect(await sut.search('kafka', 5)).toEqual([]);
      expect((await sut.search('zebras', 5))[0].chunk.chunkId).toBe('chunk-a');
    });

    it('does not rebuild when its file exists, even if empty', async () => {
      await (await setup()).upsert([]);
      const sut = new Bm25KeywordIndex(path, undefined, await seededStore());
      await sut.onModuleInit();
      await sut.onApplicationBootstrap();
      expect(await sut.count()).toBe(0);
    });
  });
});
