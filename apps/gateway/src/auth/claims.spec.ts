import { claimList, principalFromClaims } from './claims';

describe('claims', () => {
  it('reads a claim by dotted path, as a list whether it is an array or a space-separated string', () => {
    expect(claimList({ realm_access: { roles: ['admin', 'x'] } }, 'realm_access.roles')).toEqual(['admin', 'x']);
    expect(claimList({ roles: 'member auditors' }, 'roles')).toEqual(['member', 'auditors']);
    expect(claimList({ roles: 7 }, 'roles')).toEqual([]);
    expect(claimList({}, 'a.b.c')).toEqual([]);
    // An own property only: nothing from Object's prototype.
    expect(claimList({}, 'constructor.name')).toEqual([]);
  });

  it('takes the highest of Relay’s roles, keeps every role claim for grants, and falls back to the default role', () => {
    const options = { rolesClaim: 'roles', groupsClaim: 'groups', defaultRole: 'reader' as const };
    expect(principalFromClaims({ sub: 'u1', name: 'U', roles: ['member', 'admin', 'finance'], groups: ['g'] }, options, 'bearer')).toEqual({
      userId: 'u1',
      name: 'U',
      role: 'admin',
      roles: ['admin', 'member', 'finance'],
      groups: ['g'],
      via: 'bearer',
    });
    expect(principalFromClaims({ sub: 'u2', email: 'u2@example.com' }, options, 'cookie')).toMatchObject({ role: 'reader', roles: ['reader'], name: 'u2@example.com' });
  });
});
