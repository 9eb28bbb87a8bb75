/** Who is asking, as far as deciding what they may read goes. */
export interface Principal {
  userId: string;
  roles: string[];
  groups: string[];
}

export const RETRIEVAL_SCOPE = Symbol('RETRIEVAL_SCOPE');

/**
 * Decides which collections a principal may read, at the moment a message is accepted: retrieval for that message
 * searches those collections and nothing else. The default (EveryCollectionScopeResolver) lets everyone read every
 * collection, as the anonymous mode does; a grants-based resolver replaces it where users sign in.
 */
export interface RetrievalScopeResolver {
  scopeFor(principal: Principal): Promise<{ collectionIds: string[] }>;
}
