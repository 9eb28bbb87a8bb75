import { Controller, Logger, Optional } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Delivered, DocumentIndexed, DocumentIngest, DocumentUpsert, replyEnvelope, TOPICS } from '@relay/contracts';
import { RelayMetrics, setSpanAttributes, setSpanOutcome, SPAN_ATTRIBUTES, withSpan } from '@relay/observability';
import { TopicPublisher } from '@relay/transport';
import { DocumentIndexer, DocumentIndexingError } from './document-indexer';
import { TokenChunker } from './token-chunker';

/**
 * Indexes or removes one document per docs.ingest record and answers on docs.indexed. A document that cannot be
 * indexed is answered `failed` with the reason, not retried into the dead-letter topic: the upload is waiting.
 */
@Controller()
export class IngestionHandler {
  private readonly logger = new Logger('Ingestion');

  constructor(
    private readonly publisher: TopicPublisher,
    private readonly chunker: TokenChunker,
    private readonly indexer: DocumentIndexer,
    @Optional() private readonly metrics?: RelayMetrics,
  ) {}

  @EventPattern(TOPICS.documentIngest, { stage: 'ingestion' })
  async handle(@Payload() record: Delivered<DocumentIngest>): Promise<void> {
    const body = record.payload;
    const status = body.type === 'upsert' ? await this.upsert(body) : { documentId: body.documentId, status: 'deleted' as const, chunks: await this.indexer.remove(body.documentId) };
    setSpanAttributes({ [SPAN_ATTRIBUTES.documentId]: body.documentId, [SPAN_ATTRIBUTES.chunksIndexed]: status.chunks });
    if (status.status === 'failed') setSpanOutcome('error', 'INDEXING_FAILED');
    this.metrics?.documentsIngested.inc({ outcome: status.status });
    if (status.status === 'indexed') this.metrics?.chunksIngested.inc(undefined, status.chunks);
    // A failed publish throws: the transport retries the record, and indexing it again is harmless (it replaces).
    await this.publisher.publish(TOPICS.documentIndexed, replyEnvelope(record, status));
  }

  private async upsert(doc: DocumentUpsert): Promise<DocumentIndexed> {
    const started = performance.now();
    const about = { documentId: doc.documentId, contentHash: doc.contentHash, title: doc.title, source: doc.source, collectionId: doc.collectionId };
    try {
      const chunks = await withSpan('chunk', {}, async () => this.chunker.chunk({ title: doc.title, format: doc.format, sections: doc.sections }));
      if (chunks.length === 0) return { ...about, status: 'failed', chunks: 0, reason: `${doc.source}: the document has no text to index` };
      const indexed = await this.indexer.replace({ documentId: doc.documentId, collectionId: doc.collectionId, source: doc.source, chunks });
      this.logger.log({ msg: 'document indexed', documentId: doc.documentId, collectionId: doc.collectionId, chunks: indexed, ms: Math.round(performance.now() - started) });
      return { ...about, status: 'indexed', chunks: indexed };
    } catch (err) {
      const kept = err instanceof DocumentIndexingError && err.kept ? ' (its previous version, if any, is still indexed)' : '';
      this.logger.error({ msg: 'document indexing failed', documentId: doc.documentId, err: (err as Error).message });
      return { ...about, status: 'failed', chunks: 0, reason: `${doc.source}: indexing failed: ${(err as Error).message}${kept}` };
    }
  }
}
