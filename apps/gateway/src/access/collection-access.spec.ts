import { CollectionAccess, EVERYONE } from './collection-access';
import { FileAccessStore } from './file-access-store';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function setup() {
  const store = new FileAccessStore(mkdtempSync(join(tmpdir(), 'relay-access-')));
  const at = new Date().toISOString();
  await store.createCollection({ collectionId: 'hr', name: 'HR', ownerId: 'olga', createdAt: at });
  await store.createCollection({ collectionId: 'eng', name: 'Engineering', ownerId: null, createdAt: at });
  return { store, sut: new CollectionAccess(store), at };
}

const member = (userId: string, extra: { roles?: string[]; groups?: string[] } = {}) => ({ userId, role: 'member' as const, roles: ['member', ...(extra.roles ?? [])], groups: extra.groups ?? [] });

describe('CollectionAccess', () => {
  it('lets every signed-in user read default, owners their own, admins and everyone (no sign-in) all', async () => {
    const { sut } = await setup();
    expect(await sut.readable(member('zed'))).toEqual(['default']);
    expect(await sut.readable(member('olga'))).toEqual(['default', 'hr']);
    expect(await sut.canWrite(member('olga'), 'hr')).toBe(true);
    expect(await sut.canWrite(member('zed'), 'default')).toBe(false);
    expect(await sut.readable({ userId: 'root', role: 'admin', roles: ['admin'], groups: [] })).toEqual(['default', 'eng', 'hr']);
    expect(await sut.readable(EVERYONE)).toEqual(['default', 'eng', 'hr']);
    expect(await sut.canRead(member('olga'), 'no-such')).toBe(false);
  });

  it('grants by user, group and role claim; write implies read; readers never write', async () => {
    const { store, sut, at } = await setup();
    await store.putGrant({ collectionId: 'eng', subjectType: 'group', subjectId: 'platform', access: 'write', grantedBy: 'root', grantedAt: at });
    await store.putGrant({ collectionId: 'hr', subjectType: 'role', subjectId: 'auditor', access: 'read', grantedBy: 'olga', grantedAt: at });
    expect(await sut.readable(member('pat', { groups: ['platform'] }))).toEqual(['default', 'eng']);
    expect(await sut.canWrite(member('pat', { groups: ['platform'] }), 'eng')).toBe(true);
    expect(await sut.readable(member('aud', { roles: ['auditor'] }))).toEqual(['default', 'hr']);
    expect(await sut.canWrite(member('aud', { roles: ['auditor'] }), 'hr')).toBe(false);
    const reader = { userId: 'rita', role: 'reader' as const, roles: ['reader'], groups: ['platform'] };
    expect(await sut.canRead(reader, 'eng')).toBe(true);
    expect(await sut.canWrite(reader, 'eng')).toBe(false);
  });

  it('gives the retrieval scope of a principal as the contract shapes it (roles, groups)', async () => {
    const { store, sut, at } = await setup();
    await store.putGrant({ collectionId: 'eng', subjectType: 'user', subjectId: 'pat', access: 'read', grantedBy: 'root', grantedAt: at });
    expect(await sut.scopeFor({ userId: 'pat', roles: ['member'], groups: [] })).toEqual({ collectionIds: ['default', 'eng'] });
    await store.deleteGrant('eng', 'user', 'pat');
    expect(await sut.scopeFor({ userId: 'pat', roles: ['member'], groups: [] })).toEqual({ collectionIds: ['default'] });
    expect((await sut.scopeFor({ userId: 'x', roles: ['admin'], groups: [] })).collectionIds).toEqual(['default', 'eng', 'hr']);
  });
});
