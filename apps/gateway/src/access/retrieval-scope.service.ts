import { Inject, Injectable } from '@nestjs/common';
import { MAX_SCOPE_EXCLUDED_DOCUMENTS, RelayError, type RetrievalScope, retrievalScopeSchema } from '@relay/contracts';
import { DOCUMENT_REGISTRY, DocumentRegistry } from '../documents/document-registry.port';
import { type Principal, RETRIEVAL_SCOPE, type RetrievalScopeResolver } from './retrieval-scope.port';

/**
 * The retrieval scope a message travels with (chat.queries' `scope`): the collections its user may read (from the
 * RETRIEVAL_SCOPE resolver), narrowed to those the client asked for if it asked, less the documents that are being
 * deleted or moved. Computed when the message is accepted, so a grant revoked or a document deleted affects every
 * message accepted after it.
 */
@Injectable()
export class RetrievalScopeService {
  constructor(
    @Inject(RETRIEVAL_SCOPE) private readonly resolver: RetrievalScopeResolver,
    @Inject(DOCUMENT_REGISTRY) private readonly registry: DocumentRegistry,
  ) {}

  /** `requested`: the collections the client asked to search (chat:send's collectionIds); absent = all it may read. */
  async forMessage(principal: Principal, requested?: string[]): Promise<RetrievalScope> {
    const [{ collectionIds: readable }, hidden] = await Promise.all([this.resolver.scopeFor(principal), this.registry.hiddenDocumentIds()]);
    // More documents being deleted or moved at once than a record may exclude: dropping some would let them be
    // retrieved, so the message waits for the deletes to go through, as for a full queue.
    if (hidden.length > MAX_SCOPE_EXCLUDED_DOCUMENTS) {
      throw new RelayError('BUSY', `Relay is busy removing ${hidden.length} documents; try again shortly`, { retryAfterMs: 2_000 });
    }
    // A requested collection the user may not read is dropped without a word: the answer must not tell whether it exists.
    const wanted = requested && new Set(requested);
    const collectionIds = [...new Set(readable)].filter((id) => !wanted || wanted.has(id)).sort();
    // Checked here rather than dead-lettered by the pipeline: a resolver's bad id is a bug to name at its source.
    const checked = retrievalScopeSchema.safeParse({ collectionIds, excludedDocumentIds: hidden.sort() });
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new RelayError('INTERNAL', `The retrieval scope is invalid: ${issue.path.join('.')}: ${issue.message}`);
    }
    return checked.data;
  }
}
