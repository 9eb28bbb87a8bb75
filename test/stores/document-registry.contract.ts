import type { DocumentRecord, DocumentRegistry } from '../../apps/gateway/src/documents/document-registry.port';

/** How the contract reaches one DocumentRegistry adapter. */
export interface DocumentRegistrySubject {
  /** A new, empty place (a file path, a database). */
  newPlace(): Promise<string>;
  /** Opens a registry over a place; opening the same place again is a restart (or, if `shared`, another replica). */
  open(place: string): Promise<DocumentRegistry>;
  close(registry: DocumentRegistry): Promise<void>;
  /** Two registries open on one place at once see each other's writes at once. */
  shared: boolean;
}

const doc = (n: number, extra: Partial<DocumentRecord> = {}): DocumentRecord => ({
  documentId: `doc-${String(n).padStart(4, '0')}`,
  collectionId: 'default',
  title: `Document ${n}`,
  source: `uploads/document-${n}.md`,
  type: 'md',
  contentHash: `hash-${n}`,
  status: 'indexed',
  chunks: n,
  bytes: 1000 + n,
  createdAt: '2025-05-01T10:00:00.000Z',
  updatedAt: `2025-05-01T10:00:0${n % 10}.000Z`,
  ...extra,
});

/** The behaviour every DOCUMENT_REGISTRY adapter promises (apps/gateway/src/documents/document-registry.port.ts). */
export function documentRegistryContract(s: DocumentRegistrySubject): void {
  const opened: DocumentRegistry[] = [];
  const open = async (place?: string) => {
    const registry = await s.open(place ?? (await s.newPlace()));
    opened.push(registry);
    return registry;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((r) => s.close(r)));
  });

  it('keeps the collection a document belongs to', async () => {
    const registry = await open();
    await registry.put(doc(7, { collectionId: 'finance' }));
    expect((await registry.get('doc-0007'))?.collectionId).toBe('finance');
  });

  it('starts empty', async () => {
    const registry = await open();
    expect(await registry.list()).toEqual([]);
    expect(await registry.get('doc-0001')).toBeUndefined();
    expect(await registry.remove('doc-0001')).toBe(false);
  });

  it('keeps what was put, and lists the newest change first, ties by id', async () => {
    const registry = await open();
    const docs = [doc(1), doc(3), doc(2), doc(12, { updatedAt: doc(2).updatedAt }), doc(5, { status: 'failed', chunks: 0, error: 'no text in this PDF' })];
    for (const d of docs) expect(await registry.put(d)).toEqual(d);
    expect(await registry.get('doc-0005')).toEqual(docs[4]);
    expect((await registry.list()).map((d) => d.documentId)).toEqual(['doc-0005', 'doc-0003', 'doc-0002', 'doc-0012', 'doc-0001']);
    expect(await registry.list()).toContainEqual(docs[4]);
  });

  it('replaces a record put again under its id, dropping what the new one leaves out', async () => {
    const registry = await open();
    await registry.put(doc(1, { status: 'failed', error: 'timeout' }));
    const again = doc(1, { status: 'indexing', chunks: 0, title: 'Renamed', updatedAt: '2025-05-02T00:00:00.000Z' });
    await registry.put(again);
    expect(await registry.get('doc-0001')).toEqual(again);
    expect((await registry.get('doc-0001'))?.error).toBeUndefined();
    expect(await registry.list()).toHaveLength(1);
  });

  it('removes a record, once', async () => {
    const registry = await open();
    await registry.put(doc(1));
    await registry.put(doc(2));
    expect(await registry.remove('doc-0001')).toBe(true);
    expect(await registry.remove('doc-0001')).toBe(false);
    expect(await registry.get('doc-0001')).toBeUndefined();
    expect((await registry.list()).map((d) => d.documentId)).toEqual(['doc-0002']);
  });

  it('keeps the collection of each document and, during a move, the collection it leaves', async () => {
    const registry = await open();
    const moving = doc(1, { collectionId: 'team-b', previousCollectionId: 'team-a', status: 'indexing' });
    await registry.put(moving);
    expect(await registry.get('doc-0001')).toEqual(moving);
    await registry.put(doc(1, { collectionId: 'team-b' }));
    expect(await registry.get('doc-0001')).toEqual(doc(1, { collectionId: 'team-b' }));
    expect((await registry.get('doc-0001'))?.previousCollectionId).toBeUndefined();
  });

  it('knows every collection a document is in, and the documents being deleted or moved', async () => {
    const registry = await open();
    expect(await registry.collectionIds()).toEqual([]);
    expect(await registry.hiddenDocumentIds()).toEqual([]);
    await registry.put(doc(1));
    await registry.put(doc(2, { collectionId: 'team-a' }));
    await registry.put(doc(3, { collectionId: 'team-a', status: 'deleting' }));
    await registry.put(doc(4, { collectionId: 'team-b', previousCollectionId: 'default', status: 'indexing' }));
    await registry.put(doc(5, { collectionId: 'team-c', status: 'indexing' }));
    await registry.put(doc(6, { collectionId: 'team-c', status: 'failed' }));
    expect((await registry.collectionIds()).sort()).toEqual(['default', 'team-a', 'team-b', 'team-c']);
    expect((await registry.hiddenDocumentIds()).sort()).toEqual(['doc-0003', 'doc-0004']);
    await registry.remove('doc-0003');
    await registry.put(doc(4, { collectionId: 'team-b' }));
    expect(await registry.hiddenDocumentIds()).toEqual([]);
    await registry.remove('doc-0001');
    expect((await registry.collectionIds()).sort()).toEqual(['team-a', 'team-b', 'team-c']);
  });

  it('gives a reopened registry what the last one held', async () => {
    const place = await s.newPlace();
    const first = await s.open(place);
    await first.put(doc(1));
    await first.put(doc(2, { bytes: 16 * 1024 * 1024, collectionId: 'team-a', previousCollectionId: 'default', status: 'indexing' }));
    await first.remove('doc-0001');
    await s.close(first);
    const second = await open(place);
    expect(await second.list()).toEqual([doc(2, { bytes: 16 * 1024 * 1024, collectionId: 'team-a', previousCollectionId: 'default', status: 'indexing' })]);
    expect(await second.hiddenDocumentIds()).toEqual(['doc-0002']);
  });

  if (!s.shared) return;
  it('shows on one replica what another put or removed, at once', async () => {
    const place = await s.newPlace();
    const [a, b] = [await open(place), await open(place)];
    await a.put(doc(1));
    expect(await b.get('doc-0001')).toEqual(doc(1));
    await b.put(doc(1, { status: 'deleting' }));
    expect((await a.list()).map((d) => d.status)).toEqual(['deleting']);
    // A delete accepted by one gateway hides the document from the queries every other gateway accepts.
    expect(await a.hiddenDocumentIds()).toEqual(['doc-0001']);
    expect(await a.remove('doc-0001')).toBe(true);
    expect(await b.list()).toEqual([]);
  });
}
