import { Inject, Injectable } from '@nestjs/common';
import { hasRole, type Principal } from '../auth/principal';
import { ACCESS_STORE, type AccessStore, type CollectionRecord, DEFAULT_COLLECTION, type GrantRecord } from './access-store.port';
import type { Principal as ScopePrincipal, RetrievalScopeResolver } from './retrieval-scope.port';

/** Everyone (the anonymous mode: no sign-in, everything readable as before). */
export const EVERYONE = 'everyone' as const;
export type Asker = Pick<Principal, 'userId' | 'role' | 'roles' | 'groups'> | typeof EVERYONE;

/**
 * Who may read, write and manage which collection, from the grants (read fresh every time, so a revoked grant holds
 * at once):
 * - admins: every collection, read and write, and its grants;
 * - `default`: readable by every signed-in user (it holds the sample knowledge base); written by admins and grantees;
 * - a collection's owner (who created it): read, write and its grants;
 * - a grant to the user, to one of their groups or to one of their role claims: read, or write (members and admins only:
 *   readers chat, they never write).
 */
@Injectable()
export class CollectionAccess implements RetrievalScopeResolver {
  constructor(@Inject(ACCESS_STORE) private readonly store: AccessStore) {}

  /** The collection ids the asker may read. */
  async readable(asker: Asker): Promise<string[]> {
    const collections = await this.store.listCollections();
    if (asker === EVERYONE || hasRole(asker, 'admin')) return collections.map((c) => c.collectionId);
    const grants = await this.store.listGrants();
    return collections.filter((c) => this.allows(asker, c, grants, 'read')).map((c) => c.collectionId);
  }

  async writable(asker: Asker): Promise<string[]> {
    const collections = await this.store.listCollections();
    if (asker === EVERYONE || hasRole(asker, 'admin')) return collections.map((c) => c.collectionId);
    const grants = await this.store.listGrants();
    return collections.filter((c) => this.allows(asker, c, grants, 'write')).map((c) => c.collectionId);
  }

  async canRead(asker: Asker, collectionId: string): Promise<boolean> {
    return this.check(asker, collectionId, 'read');
  }

  async canWrite(asker: Asker, collectionId: string): Promise<boolean> {
    return this.check(asker, collectionId, 'write');
  }

  /** May change the collection's grants or delete it: admins and its owner. */
  async canManage(asker: Asker, collectionId: string): Promise<boolean> {
    if (asker === EVERYONE) return false;
    const collection = await this.store.getCollection(collectionId);
    return !!collection && (hasRole(asker, 'admin') || (collection.ownerId === asker.userId && hasRole(asker, 'member')));
  }

  /** RetrievalScopeResolver: what a message of this user may be answered from. */
  async scopeFor(principal: ScopePrincipal): Promise<{ collectionIds: string[] }> {
    const role = principal.roles.includes('admin') ? 'admin' : principal.roles.includes('member') ? 'member' : 'reader';
    return { collectionIds: await this.readable({ ...principal, role }) };
  }

  private async check(asker: Asker, collectionId: string, access: 'read' | 'write'): Promise<boolean> {
    // Without sign-in anyone may read and write every collection, named or not yet named (as before sign-in existed).
    if (asker === EVERYONE) return true;
    const collection = await this.store.getCollection(collectionId);
    if (!collection) return false;
    if (hasRole(asker, 'admin')) return true;
    return this.allows(asker, collection, await this.store.listGrants(collectionId), access);
  }

  private allows(asker: Exclude<Asker, typeof EVERYONE>, collection: CollectionRecord, grants: GrantRecord[], access: 'read' | 'write'): boolean {
    if (access === 'write' && !hasRole(asker, 'member')) return false;
    if (collection.ownerId === asker.userId) return true;
    if (access === 'read' && collection.collectionId === DEFAULT_COLLECTION) return true;
    return grants.some(
      (g) =>
        g.collectionId === collection.collectionId &&
        (access === 'read' || g.access === 'write') &&
        ((g.subjectType === 'user' && g.subjectId === asker.userId) ||
          (g.subjectType === 'group' && asker.groups.includes(g.subjectId)) ||
          (g.subjectType === 'role' && asker.roles.includes(g.subjectId))),
    );
  }
}
