/** Who a retrieval scope is computed for (the contract between the gateway's access rules and the retriever). */
export interface ScopePrincipal {
  userId: string;
  roles: string[];
  groups: string[];
}

/** The collections a message may be answered from, fixed when the gateway accepts it (chat.queries `scope`). */
export interface RetrievalScope {
  collectionIds: string[];
}

/** Computes what a user may read at the moment a message is accepted. */
export interface RetrievalScopeResolver {
  scopeFor(principal: ScopePrincipal): Promise<RetrievalScope>;
}

export const RETRIEVAL_SCOPE = Symbol('RETRIEVAL_SCOPE');
