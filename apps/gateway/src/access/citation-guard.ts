import { Inject, Injectable } from '@nestjs/common';
import type { Citation } from '@relay/contracts';
import { DOCUMENT_REGISTRY, type DocumentRegistry, isHidden } from '../documents/document-registry.port';
import { DEFAULT_COLLECTION } from './access-store.port';
import type { RetrievalScope } from '@relay/contracts';

/**
 * The last check before an answer's sources reach a user: a citation of an uploaded document outside the scope the
 * message was accepted with, or of one being deleted, is dropped (retrieval already searched only inside the
 * scope: this holds even if a grant was revoked or a document deleted while the answer was written).
 */
@Injectable()
export class CitationGuard {
  constructor(@Inject(DOCUMENT_REGISTRY) private readonly registry: DocumentRegistry) {}

  async allowed(citations: Citation[], scope: RetrievalScope | undefined): Promise<Citation[]> {
    const kept: Citation[] = [];
    for (const citation of citations) {
      const doc = await this.registry.get(citation.documentId);
      if (doc && isHidden(doc)) continue;
      if (scope && doc && !scope.collectionIds.includes(doc.collectionId ?? DEFAULT_COLLECTION)) continue;
      kept.push(citation);
    }
    return kept;
  }
}
