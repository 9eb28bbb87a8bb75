import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  clipDocumentTitle,
  createEnvelope,
  DEFAULT_COLLECTION_ID,
  DOCUMENT_INGEST_MAX_RECORD_BYTES,
  DOCUMENT_SOURCE_MAX_CHARS,
  DocumentIndexed,
  DocumentSection,
  DocumentUpsert,
  RelayError,
  TOPICS,
} from '@relay/contracts';
import { TopicPublisher } from '@relay/transport';
import { createHash, randomUUID } from 'node:crypto';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { DOCUMENT_REGISTRY, DocumentRecord, DocumentRegistry } from './document-registry.port';

/** A document's text as the upload gave it, whatever its file type was. */
export interface DocumentInput {
  source: string;
  title: string;
  type: string;
  format: 'markdown' | 'plain';
  sections: DocumentSection[];
  bytes: number;
  /**
   * The collection to put it in. Absent: a new document goes to `default`, one uploaded again stays where it is (a
   * re-upload that forgets to name the collection never moves a document somewhere others may read it).
   */
  collectionId?: string;
}

export interface IngestOutcome {
  document: DocumentRecord;
  /** The same source with the same content was already indexed: nothing was done. */
  unchanged: boolean;
}

/** A document's id follows from its source, so uploading the same file again replaces it rather than adding a copy. */
export function documentIdFor(source: string): string {
  return `doc-${createHash('sha256').update(normalizeSource(source)).digest('hex').slice(0, 20)}`;
}

export function normalizeSource(source: string): string {
  return source.trim().replace(/\\/g, '/');
}

/**
 * The gateway's side of ingestion: registers a document, sends it on docs.ingest and waits (up to
 * INGEST_TIMEOUT_MS) for the pipeline's docs.indexed, which every gateway receives to keep its list current.
 */
@Injectable()
export class DocumentsService {
  private readonly logger = new Logger('Documents');
  private readonly waiters = new Map<string, Set<(status: DocumentIndexed) => void>>();

  constructor(
    private readonly publisher: TopicPublisher,
    @Inject(DOCUMENT_REGISTRY) private readonly registry: DocumentRegistry,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Every listed document, or those of one collection. */
  async list(collectionId?: string): Promise<DocumentRecord[]> {
    const all = await this.registry.list();
    return collectionId === undefined ? all : all.filter((d) => d.collectionId === collectionId);
  }

  async get(documentId: string): Promise<DocumentRecord> {
    const doc = await this.registry.get(documentId);
    if (!doc) throw new RelayError('NOT_FOUND', `No document ${documentId}`);
    return doc;
  }

  /** The collection of the document uploaded from this source, if there is one. */
  async collectionOfSource(source: string): Promise<string | undefined> {
    return (await this.registry.get(documentIdFor(source)))?.collectionId;
  }

  async ingest(input: DocumentInput, correlationId: string = randomUUID()): Promise<IngestOutcome> {
    const source = normalizeSource(input.source);
    // Checked here, before publishing: a record docs.ingest's schema refuses would go to the dead-letter topic and
    // leave the upload "indexing" until INGEST_TIMEOUT_MS. A title from a file (H1, <title>, PDF metadata) may be
    // any length, so it is shortened; a source is what identifies the document, so a longer one is refused.
    if (source.length > DOCUMENT_SOURCE_MAX_CHARS) {
      throw new RelayError('INVALID_PAYLOAD', `${source.slice(0, 80)}…: the file name or source is longer than ${DOCUMENT_SOURCE_MAX_CHARS} characters`);
    }
    const title = clipDocumentTitle(input.title) || clipDocumentTitle(source);
    const documentId = documentIdFor(source);
    const contentHash = createHash('sha256').update(JSON.stringify([title, input.format, input.sections])).digest('hex');
    const existing = await this.registry.get(documentId);
    const collectionId = input.collectionId ?? existing?.collectionId ?? DEFAULT_COLLECTION_ID;
    if (existing?.contentHash === contentHash && existing.status === 'indexed' && existing.collectionId === collectionId) return { document: existing, unchanged: true };
    // Moving to another collection: until the new version is indexed its chunks may still be in the old collection,
    // where readers of that collection must no longer find it; hidden from every query until the move settles.
    let previousCollectionId = existing?.previousCollectionId;
    if (existing && existing.collectionId !== collectionId) previousCollectionId = previousCollectionId && previousCollectionId !== collectionId ? previousCollectionId : existing.collectionId;

    const payload: DocumentUpsert = { type: 'upsert', documentId, title, source, contentHash, format: input.format, sections: input.sections, collectionId };
    // Room for the envelope around the payload.
    if (Buffer.byteLength(JSON.stringify(payload)) + 4096 > DOCUMENT_INGEST_MAX_RECORD_BYTES) {
      throw new RelayError('DOCUMENT_TOO_LARGE', `${source}: its text is larger than the ${DOCUMENT_INGEST_MAX_RECORD_BYTES / 1024 / 1024} MB a docs.ingest record may hold`);
    }
    const now = new Date().toISOString();
    const document = await this.registry.put({
      documentId,
      collectionId,
      ...(previousCollectionId !== undefined ? { previousCollectionId } : {}),
      title,
      source,
      type: input.type,
      contentHash,
      status: 'indexing',
      chunks: existing?.chunks ?? 0,
      bytes: input.bytes,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    });
    const done = this.waitFor(documentId, (s) => isAbout(s, { contentHash, collectionId }));
    try {
      await this.publisher.publish(TOPICS.documentIngest, createEnvelope({ sessionId: documentId, correlationId, payload }));
    } catch (err) {
      done.cancel();
      // Not sent (e.g. BUSY): the registry goes back to what it was.
      if (existing) await this.registry.put(existing);
      else await this.registry.remove(documentId);
      throw err;
    }
    const status = await done.promise;
    if (status?.status === 'failed') throw new RelayError('INDEXING_FAILED', status.reason ?? `${source}: indexing failed`);
    return { document: (await this.registry.get(documentId)) ?? document, unchanged: false };
  }

  /** Removes the document from every index; resolves `deleted`, or `deleting` if the pipeline did not answer in time. */
  async delete(documentId: string, correlationId: string = randomUUID()): Promise<{ documentId: string; status: 'deleted' | 'deleting' }> {
    const doc = await this.get(documentId);
    await this.registry.put({ ...doc, status: 'deleting', updatedAt: new Date().toISOString() });
    const done = this.waitFor(documentId, (s) => s.status === 'deleted');
    try {
      await this.publisher.publish(TOPICS.documentIngest, createEnvelope({ sessionId: documentId, correlationId, payload: { type: 'delete', documentId } }));
    } catch (err) {
      done.cancel();
      await this.registry.put(doc);
      throw err;
    }
    return { documentId, status: (await done.promise) ? 'deleted' : 'deleting' };
  }

  /** A docs.indexed record: update the list (only for the version it is about), then wake whoever waits for it. */
  async onStatus(status: DocumentIndexed): Promise<void> {
    const doc = await this.registry.get(status.documentId);
    const updatedAt = new Date().toISOString();
    if (status.status === 'deleted') {
      await this.registry.remove(status.documentId);
    } else if (doc && isAbout(status, doc)) {
      const { previousCollectionId, ...settled } = { ...doc, status: status.status, chunks: status.chunks, error: status.reason, updatedAt };
      // A move settles either way: indexed, the chunks are in the new collection; failed, whatever the previous
      // version left is in the old one, which the list says again.
      const collectionId = status.status === 'failed' && previousCollectionId ? previousCollectionId : settled.collectionId;
      await this.registry.put({ ...settled, collectionId });
    } else if (!doc && status.status === 'indexed' && status.contentHash && status.source) {
      // Uploaded through another gateway replica: list it here too.
      await this.registry.put({
        documentId: status.documentId,
        collectionId: status.collectionId ?? DEFAULT_COLLECTION_ID,
        title: status.title ?? status.source,
        source: status.source,
        type: 'unknown',
        contentHash: status.contentHash,
        status: 'indexed',
        chunks: status.chunks,
        bytes: 0,
        createdAt: updatedAt,
        updatedAt,
      });
    }
    this.logger.log({ msg: 'document status', documentId: status.documentId, status: status.status, chunks: status.chunks });
    for (const wake of this.waiters.get(status.documentId) ?? []) wake(status);
  }

  private waitFor(documentId: string, matches: (s: DocumentIndexed) => boolean): { promise: Promise<DocumentIndexed | undefined>; cancel: () => void } {
    let cancel = () => undefined as void;
    const promise = new Promise<DocumentIndexed | undefined>((resolve) => {
      const set = this.waiters.get(documentId) ?? new Set();
      this.waiters.set(documentId, set);
      const finish = (status: DocumentIndexed | undefined) => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0) this.waiters.delete(documentId);
        resolve(status);
      };
      const wake = (status: DocumentIndexed) => {
        if (matches(status)) finish(status);
      };
      const timer = setTimeout(() => finish(undefined), this.config.INGEST_TIMEOUT_MS);
      set.add(wake);
      cancel = () => finish(undefined);
    });
    return { promise, cancel };
  }
}

/**
 * Whether a docs.indexed status is about this version of a document: the same content in the same collection (a
 * status without a collection, from a Relay before collections, is about the content alone).
 */
function isAbout(status: DocumentIndexed, version: { contentHash: string; collectionId: string }): boolean {
  return status.contentHash === version.contentHash && (status.collectionId === undefined || status.collectionId === version.collectionId);
}
