import { readJson, request } from './api-error';

export type AuthMode = 'anonymous' | 'local' | 'oidc';

/** GET /api/auth/me: the sign-in mode and who is signed in (docs/protocol.md, "Sign-in"). */
export interface Me {
  mode: AuthMode;
  signedIn: boolean;
  user?: { userId: string; name: string; role: 'admin' | 'member' | 'reader'; groups: string[] };
  csrfToken?: string;
}

// The sign-in's CSRF token: every request that changes something sends it back (the cookie alone is not enough).
let csrfToken = '';

/** Headers every request that changes something carries when signed in. */
export function csrfHeaders(): Record<string, string> {
  return csrfToken ? { 'x-csrf-token': csrfToken } : {};
}

export const authApi = {
  async me(): Promise<Me> {
    const me = await readJson<Me>(await request('/api/auth/me'));
    csrfToken = me.csrfToken ?? '';
    return me;
  },

  /** AUTH_MODE=local: signs in with a password (the server sets the httpOnly sign-in cookie). */
  async login(username: string, password: string): Promise<Me> {
    await readJson(await request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) }));
    return authApi.me();
  },

  /** AUTH_MODE=oidc: the browser goes to the provider and comes back signed in. */
  startOidc(): void {
    window.location.assign(`/api/auth/oidc/start?returnTo=${encodeURIComponent(window.location.pathname)}`);
  },

  async logout(everywhere = false): Promise<void> {
    await readJson(await request(everywhere ? '/api/auth/logout-all' : '/api/auth/logout', { method: 'POST', headers: csrfHeaders() }));
    csrfToken = '';
  },
};
