import { join } from 'node:path';
import { JsonFileState } from '../storage/json-file-state';
import { type AccessStore, type CollectionRecord, DEFAULT_COLLECTION, type GrantRecord, type GrantSubjectType } from './access-store.port';

interface State {
  collections: Record<string, CollectionRecord>;
  grants: GrantRecord[];
}

const sameSubject = (g: GrantRecord, collectionId: string, type: GrantSubjectType, id: string) => g.collectionId === collectionId && g.subjectType === type && g.subjectId === id;

/** Collections and grants in DATA_DIR/access.json; `default` is there from the start. */
export class FileAccessStore implements AccessStore {
  private readonly file: JsonFileState<State>;

  constructor(dataDir: string) {
    this.file = new JsonFileState(join(dataDir, 'access.json'), () => ({
      collections: { [DEFAULT_COLLECTION]: { collectionId: DEFAULT_COLLECTION, name: 'Shared documents', ownerId: null, createdAt: new Date(0).toISOString() } },
      grants: [],
    }));
  }

  async listCollections(): Promise<CollectionRecord[]> {
    return Object.values((await this.file.read()).collections).sort((a, b) => a.collectionId.localeCompare(b.collectionId));
  }

  async getCollection(collectionId: string): Promise<CollectionRecord | undefined> {
    const { collections } = await this.file.read();
    return Object.hasOwn(collections, collectionId) ? collections[collectionId] : undefined;
  }

  createCollection(collection: CollectionRecord): Promise<boolean> {
    return this.file.update((s) => {
      if (Object.hasOwn(s.collections, collection.collectionId)) return false;
      s.collections[collection.collectionId] = collection;
      return true;
    });
  }

  deleteCollection(collectionId: string): Promise<boolean> {
    return this.file.update((s) => {
      if (!Object.hasOwn(s.collections, collectionId)) return false;
      delete s.collections[collectionId];
      s.grants = s.grants.filter((g) => g.collectionId !== collectionId);
      return true;
    });
  }

  async listGrants(collectionId?: string): Promise<GrantRecord[]> {
    const { grants } = await this.file.read();
    return grants.filter((g) => collectionId === undefined || g.collectionId === collectionId);
  }

  putGrant(grant: GrantRecord): Promise<boolean> {
    return this.file.update((s) => {
      if (!Object.hasOwn(s.collections, grant.collectionId)) return false;
      s.grants = [...s.grants.filter((g) => !sameSubject(g, grant.collectionId, grant.subjectType, grant.subjectId)), grant];
      return true;
    });
  }

  deleteGrant(collectionId: string, subjectType: GrantSubjectType, subjectId: string): Promise<boolean> {
    return this.file.update((s) => {
      const before = s.grants.length;
      s.grants = s.grants.filter((g) => !sameSubject(g, collectionId, subjectType, subjectId));
      return s.grants.length < before;
    });
  }
}
