import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Delivered, DocumentIndexed, TOPICS } from '@relay/contracts';
import { KEYWORD_INDEX, KeywordIndex } from '@relay/retrieval';
import { StoredChunk, VECTOR_STORE, VectorStore } from '@relay/vector-store';

/**
 * Keeps this process's keyword index in step with the vector store. Each retriever replica holds its own BM25 index
 * under DATA_DIR, while one ingestion replica indexes a document into the shared vector store (Qdrant): so every
 * replica hears docs.indexed and copies that document's chunks from the vector store, which is the record of what
 * is indexed. Where the ingestion ran in this process it already wrote them; doing it again changes nothing.
 */
@Controller()
export class KeywordIndexSyncHandler {
  private readonly logger = new Logger('KeywordIndexSync');

  constructor(
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(KEYWORD_INDEX) private readonly keywords: KeywordIndex,
  ) {}

  @EventPattern(TOPICS.documentIndexed, { stage: 'keyword-sync', delivery: 'every-replica' })
  async handle(@Payload() record: Delivered<DocumentIndexed>): Promise<void> {
    const { documentId, status } = record.payload;
    if (status === 'failed') return; // nothing of a failed version was left in the vector store
    const chunks: StoredChunk[] = [];
    if (status === 'indexed') for await (const chunk of this.store.chunks({ documentIds: [documentId] })) chunks.push(chunk);
    // Read first, then swap: searches meanwhile see the old version, not none.
    await this.keywords.deleteDocument(documentId);
    if (chunks.length > 0) await this.keywords.upsert(chunks);
    this.logger.debug({ msg: 'keyword index synced', documentId, status, chunks: chunks.length });
  }
}
