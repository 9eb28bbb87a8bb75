import { Inject, Injectable } from '@nestjs/common';
import { DEFAULT_COLLECTION_ID } from '@relay/contracts';
import { DOCUMENT_REGISTRY, DocumentRegistry } from '../documents/document-registry.port';
import type { Principal, RetrievalScopeResolver } from './retrieval-scope.port';

/**
 * Everyone may read every collection there is: `default` (the sample knowledge base and uploads that named no
 * collection) and every collection some listed document is in. The anonymous mode's rule, where anyone who reaches
 * the port may read and upload everything anyway.
 */
@Injectable()
export class EveryCollectionScopeResolver implements RetrievalScopeResolver {
  constructor(@Inject(DOCUMENT_REGISTRY) private readonly registry: DocumentRegistry) {}

  async scopeFor(_principal: Principal): Promise<{ collectionIds: string[] }> {
    const known = await this.registry.collectionIds();
    return { collectionIds: [...new Set([DEFAULT_COLLECTION_ID, ...known])].sort() };
  }
}
