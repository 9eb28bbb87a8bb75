import { type DocumentIndexed, type DocumentUpsert, TOPICS } from '@relay/contracts';
import { RecordingTopicPublisher } from '@relay/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayConfigSchema } from '../gateway.config';
import { DocumentsService, type DocumentInput } from './documents.service';
import { FileDocumentRegistry } from './file-document-registry';

function setup() {
  const publisher = new RecordingTopicPublisher();
  const registry = new FileDocumentRegistry(join(mkdtempSync(join(tmpdir(), 'relay-documents-')), 'documents.json'));
  const config = { ...gatewayConfigSchema.parse({ AUTH_SECRET: 'x'.repeat(32) }), INGEST_TIMEOUT_MS: 5_000 };
  return { sut: new DocumentsService(publisher, registry, config), publisher, registry };
}

const input = (text: string, collectionId?: string): DocumentInput => ({
  source: 'notes/plan.md',
  title: 'Plan',
  type: 'md',
  format: 'markdown',
  sections: [{ text }],
  bytes: text.length,
  ...(collectionId ? { collectionId } : {}),
});

/** The last docs.ingest upsert, and the pipeline's answer to it. */
function lastUpsert(publisher: RecordingTopicPublisher): DocumentUpsert {
  return publisher.on(TOPICS.documentIngest).at(-1)!.envelope.payload as DocumentUpsert;
}
const indexedStatus = (u: DocumentUpsert, status: DocumentIndexed['status'] = 'indexed'): DocumentIndexed => ({
  documentId: u.documentId,
  status,
  chunks: status === 'indexed' ? 2 : 0,
  contentHash: u.contentHash,
  collectionId: u.collectionId,
  ...(status === 'failed' ? { reason: 'embedding failed' } : {}),
});

/** Runs an ingest to the point where it waits for docs.indexed, answers it with `status`, and returns the outcome. */
async function ingestAnswered(s: ReturnType<typeof setup>, doc: DocumentInput, status: DocumentIndexed['status'] = 'indexed', whileWaiting?: () => Promise<void>) {
  const before = s.publisher.on(TOPICS.documentIngest).length;
  const outcome = s.sut.ingest(doc).catch((err: Error) => err);
  await until(() => s.publisher.on(TOPICS.documentIngest).length > before);
  await whileWaiting?.();
  await s.sut.onStatus(indexedStatus(lastUpsert(s.publisher), status));
  return outcome;
}

describe('DocumentsService and collections', () => {
  it('sends a new document to the collection named, else to default, and lists it there', async () => {
    const s = setup();
    await ingestAnswered(s, input('one', 'team-a'));
    expect(lastUpsert(s.publisher).collectionId).toBe('team-a');
    expect((await s.sut.list('team-a')).map((d) => d.collectionId)).toEqual(['team-a']);
    expect(await s.sut.list('default')).toEqual([]);

    const other = setup();
    await ingestAnswered(other, input('one'));
    expect(lastUpsert(other.publisher).collectionId).toBe('default');
  });

  it('hides a document from every query while its move to another collection is indexed, and shows it once indexed', async () => {
    const s = setup();
    await ingestAnswered(s, input('one', 'team-a'));
    const outcome = await ingestAnswered(s, input('one', 'team-b'), 'indexed', async () => {
      const doc = (await s.registry.list())[0];
      expect(doc).toMatchObject({ collectionId: 'team-b', previousCollectionId: 'team-a', status: 'indexing' });
      expect(await s.registry.hiddenDocumentIds()).toEqual([doc.documentId]);
    });
    expect(outcome).toMatchObject({ unchanged: false, document: { collectionId: 'team-b', status: 'indexed' } });
    expect((await s.registry.list())[0].previousCollectionId).toBeUndefined();
    expect(await s.registry.hiddenDocumentIds()).toEqual([]);
    expect(await s.registry.collectionIds()).toEqual(['team-b']);
  });

  it('puts a document whose move failed back in its old collection, no longer hidden', async () => {
    const s = setup();
    await ingestAnswered(s, input('one', 'team-a'));
    const outcome = await ingestAnswered(s, input('two', 'team-b'), 'failed');
    expect(outcome).toMatchObject({ code: 'INDEXING_FAILED' });
    expect((await s.registry.list())[0]).toMatchObject({ collectionId: 'team-a', status: 'failed' });
    expect((await s.registry.list())[0].previousCollectionId).toBeUndefined();
    expect(await s.registry.hiddenDocumentIds()).toEqual([]);
  });

  it('is unchanged only for the same content in the same collection; re-uploaded without a collection it stays where it is', async () => {
    const s = setup();
    await ingestAnswered(s, input('one', 'team-a'));
    const sent = s.publisher.on(TOPICS.documentIngest).length;
    expect(await s.sut.ingest(input('one'))).toMatchObject({ unchanged: true, document: { collectionId: 'team-a' } });
    expect(await s.sut.ingest(input('one', 'team-a'))).toMatchObject({ unchanged: true });
    expect(s.publisher.on(TOPICS.documentIngest)).toHaveLength(sent);
    await ingestAnswered(s, input('changed'));
    expect(lastUpsert(s.publisher).collectionId).toBe('team-a');
  });

  it('ignores a late status about the document in the collection it left', async () => {
    const s = setup();
    await ingestAnswered(s, input('one', 'team-a'));
    const first = lastUpsert(s.publisher);
    await ingestAnswered(s, input('one', 'team-b'), 'indexed', async () => {
      await s.sut.onStatus(indexedStatus(first, 'failed')); // about team-a's version: not this one
      expect((await s.registry.list())[0]).toMatchObject({ collectionId: 'team-b', previousCollectionId: 'team-a', status: 'indexing' });
    });
  });

  it('lists a document uploaded through another gateway in the collection its status names', async () => {
    const s = setup();
    await s.sut.onStatus({ documentId: 'doc-elsewhere', status: 'indexed', chunks: 3, contentHash: 'c'.repeat(64), title: 'Elsewhere', source: 'x.md', collectionId: 'team-c' });
    await s.sut.onStatus({ documentId: 'doc-older', status: 'indexed', chunks: 1, contentHash: 'd'.repeat(64), title: 'Older', source: 'y.md' });
    expect(Object.fromEntries((await s.registry.list()).map((d) => [d.documentId, d.collectionId]))).toEqual({ 'doc-elsewhere': 'team-c', 'doc-older': 'default' });
  });
});

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((ok) => setTimeout(ok, 5));
  }
}
