/** Collection ids (the contract with the retrieval side): lower-case letters, digits, _ and -. */
export const COLLECTION_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const DEFAULT_COLLECTION = 'default';

export interface CollectionRecord {
  collectionId: string;
  name: string;
  /** Who created it (may grant on it besides admins); null for `default`. */
  ownerId: string | null;
  createdAt: string;
}

export type GrantSubjectType = 'user' | 'group' | 'role';
export type Access = 'read' | 'write';

export interface GrantRecord {
  collectionId: string;
  subjectType: GrantSubjectType;
  subjectId: string;
  /** write includes read. */
  access: Access;
  grantedBy: string;
  grantedAt: string;
}

export const ACCESS_STORE = Symbol('ACCESS_STORE');

/**
 * Collections and the grants on them. Read at every send (the retrieval scope) and every document request, so a
 * revoked grant holds at once. Adapters: a JSON file under DATA_DIR, or PostgreSQL (shared by replicas).
 */
export interface AccessStore {
  listCollections(): Promise<CollectionRecord[]>;
  getCollection(collectionId: string): Promise<CollectionRecord | undefined>;
  /** False when it exists already. */
  createCollection(collection: CollectionRecord): Promise<boolean>;
  /** Removes it with its grants; false when there was none. */
  deleteCollection(collectionId: string): Promise<boolean>;
  /** Every grant (a deployment has collections and grants in the hundreds, not millions). */
  listGrants(collectionId?: string): Promise<GrantRecord[]>;
  /** Sets the subject's access to the collection (replacing what it had); false when the collection does not exist. */
  putGrant(grant: GrantRecord): Promise<boolean>;
  /** False when the subject had no grant there. */
  deleteGrant(collectionId: string, subjectType: GrantSubjectType, subjectId: string): Promise<boolean>;
}
