import type { Ack, ChatDoneEvent } from '@relay/contracts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileUserStore } from '../../apps/gateway/src/users/file-user-store';
import { UserAccounts } from '../../apps/gateway/src/users/user-accounts';
import { io, type Socket } from 'socket.io-client';
import { MediumRelay, startMediumRelay } from '../medium/relay-app';
import { API_RESOURCE, RELAY_CLIENT_ID, TestOidcProvider } from '../support/oidc/test-provider';

// Issue 13, "Bad input and attacks": against the real gateway (in-process, models faked) and a real OpenID provider
// (oidc-provider, its own process). Every refusal has the right code, an audit record, and tells nothing more.

type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });
const loadJose = (): Promise<Jose> => import('jose');

const EVIL = 'http://evil.example';
const ACCOUNTS = {
  alice: { name: 'Alice', roles: ['member'], groups: ['finance'] },
  bob: { name: 'Bob', roles: ['member'], groups: ['eng'] },
  carol: { name: 'Carol', roles: ['reader'] },
  root: { name: 'Root', roles: ['admin'] },
};

interface Reply {
  status: number;
  body: { error?: { code: string; message: string; retryAfterMs?: number } } & Record<string, unknown>;
  headers: Headers;
}

async function call(base: string, method: string, path: string, options: { token?: string; cookie?: string; csrf?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.cookie) headers.cookie = options.cookie;
  if (options.csrf) headers['x-csrf-token'] = options.csrf;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers };
}

function connect(base: string, options: { token?: string; cookie?: string; origin?: string; sessionId?: string }): Promise<Socket> {
  const socket = io(`${base}/chat`, {
    auth: { ...(options.token ? { token: options.token } : {}), ...(options.sessionId ? { sessionId: options.sessionId } : {}) },
    transports: ['websocket'],
    reconnection: false,
    extraHeaders: { ...(options.cookie ? { cookie: options.cookie } : {}), ...(options.origin ? { origin: options.origin } : {}) },
  });
  return new Promise((ok, fail) => {
    socket.once('connect', () => ok(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      fail(err);
    });
  });
}

const emit = <T extends object = object>(socket: Socket, event: string, payload: unknown) => socket.timeout(10_000).emitWithAck(event, payload) as Promise<Ack<T>>;

async function ask(socket: Socket, sessionId: string, text: string): Promise<ChatDoneEvent> {
  const done = new Promise<ChatDoneEvent>((resolve) => socket.on('chat:done', (e: ChatDoneEvent) => resolve(e)));
  const ack = await emit<{ messageId: string }>(socket, 'chat:send', { sessionId, clientMessageId: `c-${Math.random()}`, text });
  if (!ack.ok) throw new Error(`send refused: ${ack.error.code}`);
  return done;
}

/** Audit entries of kind access, read from the relay's audit file. */
function accessEntries(relay: MediumRelay): Array<Record<string, string>> {
  return readFileSync(join(relay.dataDir, 'audit.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, string>)
    .filter((e) => e.kind === 'access');
}

async function audited(relay: MediumRelay, match: Record<string, string>): Promise<void> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const found = (() => {
      try {
        return accessEntries(relay).some((e) => Object.entries(match).every(([k, v]) => e[k] === v));
      } catch {
        return false;
      }
    })();
    if (found) return;
    if (Date.now() > deadline) throw new Error(`no audit entry ${JSON.stringify(match)} in:\n${JSON.stringify(accessEntries(relay).slice(-10), null, 1)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('sign-in with OpenID Connect: bearer JWTs, chats, documents and collections that belong to users', () => {
  let provider: TestOidcProvider;
  let relay: MediumRelay;
  let base: string;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    provider = await TestOidcProvider.start({ accounts: ACCOUNTS, redirectUris: ['http://127.0.0.1:1/api/auth/oidc/callback'] });
    relay = await startMediumRelay({
      AUTH_MODE: 'oidc',
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: RELAY_CLIENT_ID,
      OIDC_AUDIENCE: API_RESOURCE,
      OIDC_ALLOW_HTTP: 'true',
      USER_MESSAGES_PER_MIN: '6',
    });
    base = relay.url;
    for (const name of Object.keys(ACCOUNTS)) tokens[name] = await provider.accessTokenFor(name);
  }, 60_000);
  afterAll(async () => {
    await relay?.app.close();
    await provider?.stop();
  });

  const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = (extra: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return { sub: 'bob', iss: provider.issuer, aud: API_RESOURCE, iat: now, exp: now + 300, roles: ['member'], ...extra };
  };

  it('accepts the provider’s own access token: who it is, their role and groups from its claims', async () => {
    const me = await call(base, 'GET', '/api/auth/me', { token: tokens.bob });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ mode: 'oidc', signedIn: true, user: { userId: 'bob', role: 'member', groups: ['eng'] } });
    expect(me.body.csrfToken).toBeUndefined(); // a bearer token needs none
  });

  it('refuses every API call without a credential, and says how to get one', async () => {
    for (const [method, path] of [['GET', '/api/documents'], ['GET', '/api/sessions'], ['POST', '/api/sessions'], ['GET', '/api/collections']]) {
      const res = await call(base, method, path);
      expect([path, res.status, res.body.error?.code]).toEqual([path, 401, 'UNAUTHORIZED']);
    }
    expect((await call(base, 'GET', '/api/auth/me')).body).toEqual({ mode: 'oidc', signedIn: false });
    await audited(relay, { event: 'request', code: 'UNAUTHORIZED', reason: 'no-credentials', target: 'GET /api/sessions' });
  });

  describe('refuses bad JWTs with 401 UNAUTHORIZED and an audit record saying why', () => {
    const cases: Array<[string, () => Promise<string>, string]> = [
      ['expired', () => provider.sign(claims({ exp: Math.floor(Date.now() / 1000) - 120, iat: Math.floor(Date.now() / 1000) - 600 })), 'ERR_JWT_EXPIRED'],
      ['not yet valid', () => provider.sign(claims({ nbf: Math.floor(Date.now() / 1000) + 600 })), 'jwt-claim-nbf'],
      ['of another issuer', () => provider.sign(claims({ iss: 'http://127.0.0.1:1' })), 'jwt-claim-iss'],
      ['for another audience', () => provider.sign(claims({ aud: 'urn:someone:else' })), 'jwt-claim-aud'],
      ['without an expiry', () => provider.sign(claims({ exp: undefined })), 'jwt-claim-exp'],
      ['with alg none', async () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims({ roles: ['admin'] }))}.`, 'ERR_JOSE_ALG_NOT_ALLOWED'],
      [
        'HS256-signed with the provider’s public key as the secret',
        async () => {
          const jose = await loadJose();
          return new jose.SignJWT(claims({ roles: ['admin'] })).setProtectedHeader({ alg: 'HS256', kid: provider.signingKey.kid }).sign(new TextEncoder().encode(await provider.publicKeyPem()));
        },
        'ERR_JOSE_ALG_NOT_ALLOWED',
      ],
      [
        'tampered (its roles raised to admin, the signature kept)',
        async () => {
          const [h, , s] = tokens.bob.split('.');
          const payload = JSON.parse(Buffer.from(tokens.bob.split('.')[1], 'base64url').toString());
          return `${h}.${base64url({ ...payload, roles: ['admin'] })}.${s}`;
        },
        'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      ],
      ['truncated', async () => tokens.bob.slice(0, tokens.bob.lastIndexOf('.') + 10), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'],
      ['cut after its payload', async () => tokens.bob.split('.').slice(0, 2).join('.'), 'unknown-token-kind'],
      ['signed by a key the provider never published', async () => {
        const jose = await loadJose();
        const { privateKey } = await jose.generateKeyPair('RS256');
        return new jose.SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'not-a-provider-key' }).sign(privateKey);
      }, 'ERR_JWKS_NO_MATCHING_KEY'],
    ];

    it.each(cases)('a token %s', async (_what, make, reason) => {
      const token = await make();
      const res = await call(base, 'GET', '/api/sessions', { token });
      expect(res.status).toBe(401);
      expect(res.body.error?.code).toBe('UNAUTHORIZED');
      expect(JSON.stringify(res.body)).not.toContain(token.slice(-20));
      await audited(relay, { event: 'request', code: 'UNAUTHORIZED', reason });
      // The socket handshake refuses it the same way.
      await expect(connect(base, { token })).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    });
  });

  it.each([
    ['an oversized Authorization header', { authorization: `Bearer ${'a'.repeat(9000)}` }],
    ['a malformed Authorization header', { authorization: 'Basic Ym9iOnNlY3JldA==' }],
    ['an oversized Cookie header', { cookie: `relay_session=${'x'.repeat(9000)}` }],
    ['a malformed sign-in cookie', { cookie: 'relay_session=not-a-sign-in' }],
    ['a sign-in cookie Relay never issued', { cookie: `relay_session=rly_${'A'.repeat(43)}` }],
  ])('refuses %s with 401 and an audit record', async (_what, headers) => {
    const res = await call(base, 'GET', '/api/documents', { headers });
    expect(res.status).toBe(401);
    expect(res.body.error?.code).toBe('UNAUTHORIZED');
    await audited(relay, { event: 'request', code: 'UNAUTHORIZED', target: 'GET /api/documents' });
  });

  it('keeps each user’s chats to themselves, by REST and by socket, answering another user’s chat exactly like one that does not exist', async () => {
    const chat = (await call(base, 'POST', '/api/sessions', { token: tokens.alice, body: {} })).body as { sessionId: string; token?: string };
    expect(chat.token).toBeUndefined(); // with sign-in a chat is opened by its owner, not by a token
    const alice = await connect(base, { token: tokens.alice });
    const done = await ask(alice, chat.sessionId, 'What is in the handbook?');
    expect(done.text.length).toBeGreaterThan(0);

    // Alice sees her chat in her list on any device; Bob does not.
    const aliceList = (await call(base, 'GET', '/api/sessions', { token: tokens.alice })).body.sessions as Array<{ sessionId: string }>;
    expect(aliceList.map((s) => s.sessionId)).toContain(chat.sessionId);
    const bobList = (await call(base, 'GET', '/api/sessions', { token: tokens.bob })).body.sessions as Array<{ sessionId: string }>;
    expect(bobList.map((s) => s.sessionId)).not.toContain(chat.sessionId);

    const ghost = '00000000-0000-4000-8000-000000000000';
    for (const [method, suffix, body] of [['GET', '/messages', undefined], ['PATCH', '', { title: 'mine now' }], ['DELETE', '', undefined]] as const) {
      const theirs = await call(base, method, `/api/sessions/${chat.sessionId}${suffix}`, { token: tokens.bob, body });
      const none = await call(base, method, `/api/sessions/${ghost}${suffix}`, { token: tokens.bob, body });
      expect([method, theirs.status, theirs.body.error?.code]).toEqual([method, 404, 'UNKNOWN_SESSION']);
      expect(theirs.body.error?.message).toBe(none.body.error?.message);
    }
    await audited(relay, { event: 'request', code: 'UNKNOWN_SESSION', reason: 'another-users-session', userId: 'bob' });

    const bob = await connect(base, { token: tokens.bob });
    const bobChunks: unknown[] = [];
    bob.on('chat:chunk', (e) => bobChunks.push(e));
    for (const [event, payload] of [
      ['chat:send', { sessionId: chat.sessionId, clientMessageId: 'steal-1', text: 'hello from bob' }],
      ['chat:history', { sessionId: chat.sessionId }],
      ['chat:resume', { sessionId: chat.sessionId, messageId: done.messageId, fromSeq: 0 }],
      ['chat:cancel', { sessionId: chat.sessionId, messageId: done.messageId }],
    ] as const) {
      const ack = await emit(bob, event, payload);
      expect([event, ack]).toEqual([event, { ok: false, error: { code: 'UNKNOWN_SESSION', message: 'No such session.' } }]);
    }
    // Another user's message id inside one's own chat: nothing of it is replayed.
    const own = (await call(base, 'POST', '/api/sessions', { token: tokens.bob, body: {} })).body as { sessionId: string };
    const resumed = await emit<{ replayed: number; state: string }>(bob, 'chat:resume', { sessionId: own.sessionId, messageId: done.messageId, fromSeq: 0 });
    expect(resumed).toEqual({ ok: true, replayed: 0, state: 'unknown' });
    const cancelled = await emit(bob, 'chat:cancel', { messageId: done.messageId });
    expect(cancelled).toMatchObject({ ok: false, error: { code: 'UNKNOWN_MESSAGE' } });
    // A handshake naming Alice's chat is refused.
    await expect(connect(base, { token: tokens.bob, sessionId: chat.sessionId })).rejects.toMatchObject({ data: { code: 'UNKNOWN_SESSION' } });
    expect(bobChunks).toEqual([]);
    await audited(relay, { event: 'socket', code: 'UNKNOWN_SESSION', userId: 'bob', target: 'chat:send' });

    // Alice's history is untouched by all of that.
    const history = (await call(base, 'GET', `/api/sessions/${chat.sessionId}/messages`, { token: tokens.alice })).body.messages as Array<{ role: string }>;
    expect(history.map((m) => m.role)).toEqual(['user', 'assistant']);
    alice.close();
    bob.close();
  });

  it('the chat.queries record carries the authenticated user id, not a label the client chose', async () => {
    const refused = await call(base, 'POST', '/api/sessions', { token: tokens.bob, body: { userId: 'alice' } });
    expect(refused.status).toBe(400);
    const chat = (await call(base, 'POST', '/api/sessions', { token: tokens.bob, body: {} })).body as { sessionId: string };
    const bob = await connect(base, { token: tokens.bob });
    const seen: Array<{ sessionId: string; payload: { userId: string; scope?: { collectionIds: string[] } } }> = [];
    relay.broker.subscribe('chat.queries', 'test-observer', async (record) => void seen.push(JSON.parse(record.value)));
    await ask(bob, chat.sessionId, 'who am I?');
    const query = seen.find((r) => r.sessionId === chat.sessionId)!;
    // Bob's scope: `default` (every signed-in user reads it) and nothing of Alice's.
    expect(query.payload).toMatchObject({ userId: 'bob', scope: { collectionIds: ['default'] } });
    bob.close();
  });

  it('keeps a private collection’s documents, and the collection itself, from other users until a grant', async () => {
    const created = await call(base, 'POST', '/api/collections', { token: tokens.alice, body: { collectionId: 'alice-private', name: 'Alice’s notes' } });
    expect(created.status).toBe(201);
    const up = await call(base, 'POST', '/api/documents', { token: tokens.alice, body: { title: 'Budget', text: 'The secret budget is 42 million.', collection: 'alice-private' } });
    expect(up.status).toBe(201);
    const documentId = (up.body.document as { documentId: string }).documentId;

    const listed = (await call(base, 'GET', '/api/documents', { token: tokens.bob })).body.documents as Array<{ documentId: string }>;
    expect(listed.map((d) => d.documentId)).not.toContain(documentId);
    const theirs = await call(base, 'GET', `/api/documents/${documentId}`, { token: tokens.bob });
    const none = await call(base, 'GET', '/api/documents/doc-00000000000000000000', { token: tokens.bob });
    expect(theirs.status).toBe(404);
    expect(theirs.body.error?.code).toBe(none.body.error?.code);
    expect(JSON.stringify(theirs.body)).not.toMatch(/Budget|secret/);
    expect((await call(base, 'DELETE', `/api/documents/${documentId}`, { token: tokens.bob })).status).toBe(404);
    // The collection: as if it did not exist.
    expect((await call(base, 'GET', '/api/collections/alice-private/grants', { token: tokens.bob })).status).toBe(404);
    expect((await call(base, 'PUT', '/api/collections/alice-private/grants', { token: tokens.bob, body: { subjectType: 'user', subjectId: 'bob', access: 'write' } })).status).toBe(404);
    expect((await call(base, 'POST', '/api/documents', { token: tokens.bob, body: { title: 'x', text: 'planted', collection: 'alice-private' } })).status).toBe(404);
    const bobCollections = (await call(base, 'GET', '/api/collections', { token: tokens.bob })).body.collections as Array<{ collectionId: string }>;
    expect(bobCollections.map((c) => c.collectionId)).toEqual(['default']);
    await audited(relay, { event: 'request', code: 'NOT_FOUND', userId: 'bob', reason: 'not-readable' });

    // Alice grants Bob read: he lists and reads it, but may not change it.
    expect((await call(base, 'PUT', '/api/collections/alice-private/grants', { token: tokens.alice, body: { subjectType: 'user', subjectId: 'bob', access: 'read' } })).status).toBe(200);
    expect((await call(base, 'GET', `/api/documents/${documentId}`, { token: tokens.bob })).status).toBe(200);
    expect((await call(base, 'DELETE', `/api/documents/${documentId}`, { token: tokens.bob })).body.error?.code).toBe('FORBIDDEN');
    // Revoked: gone again at once.
    expect((await call(base, 'DELETE', '/api/collections/alice-private/grants/user/bob', { token: tokens.alice })).status).toBe(200);
    expect((await call(base, 'GET', `/api/documents/${documentId}`, { token: tokens.bob })).status).toBe(404);
    await audited(relay, { event: 'revoke', outcome: 'allowed', userId: 'alice' });
  });

  it('lets a reader chat but not upload, and refuses a member on the admin API', async () => {
    const upload = await call(base, 'POST', '/api/documents', { token: tokens.carol, body: { title: 'x', text: 'y' } });
    expect([upload.status, upload.body.error?.code]).toEqual([403, 'FORBIDDEN']);
    for (const [method, path] of [['GET', '/api/admin/audit'], ['GET', '/api/admin/users'], ['POST', '/api/admin/users']]) {
      const res = await call(base, method, path, { token: tokens.bob, body: method === 'POST' ? { userId: 'mallory', password: 'p'.repeat(12), role: 'admin' } : undefined });
      expect([path, res.status, res.body.error?.code]).toEqual([path, 403, 'FORBIDDEN']);
    }
    await audited(relay, { event: 'request', code: 'FORBIDDEN', userId: 'bob', reason: 'role-member', target: 'GET /api/admin/audit' });
    // An admin reads the audit trail, which holds those refusals.
    const trail = await call(base, 'GET', '/api/admin/audit?limit=1000', { token: tokens.root });
    expect(trail.status).toBe(200);
    expect((trail.body.entries as Array<Record<string, string>>).some((e) => e.kind === 'access' && e.code === 'FORBIDDEN' && e.userId === 'bob')).toBe(true);
    // Filtered and paged: only Bob's refused access entries, one a page; the same as JSON lines for export.
    const first = await call(base, 'GET', '/api/admin/audit?user=bob&kind=access&outcome=refused&limit=1', { token: tokens.root });
    const second = await call(base, 'GET', `/api/admin/audit?user=bob&kind=access&outcome=refused&limit=1&offset=${first.body.nextOffset as number}`, { token: tokens.root });
    const [a, b] = [first.body.entries, second.body.entries] as Array<Array<Record<string, string>>>;
    expect([a.length, b.length]).toEqual([1, 1]);
    expect([...a, ...b].every((e) => e.userId === 'bob' && e.kind === 'access' && e.outcome === 'refused')).toBe(true);
    expect(a[0]).not.toEqual(b[0]);
    const exported = await fetch(`${base}/api/admin/audit?user=bob&kind=access&format=jsonl&limit=1000`, { headers: { authorization: `Bearer ${tokens.root}` } });
    expect(exported.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await exported.text()).trim().split('\n').map((line) => JSON.parse(line) as Record<string, string>);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.every((e) => e.userId === 'bob')).toBe(true);
    // A bad filter is refused, naming it; and the filtered API is admin-only like the rest.
    expect((await call(base, 'GET', '/api/admin/audit?from=yesterday', { token: tokens.root })).body.error?.message).toMatch(/from/);
    expect((await call(base, 'GET', '/api/admin/audit?user=bob', { token: tokens.bob })).status).toBe(403);
  });

  it('refuses a page of another origin on REST and on the socket', async () => {
    const rest = await call(base, 'GET', '/api/sessions', { token: tokens.bob, headers: { origin: EVIL } });
    expect([rest.status, rest.body.error?.code]).toEqual([403, 'CROSS_SITE_REQUEST']);
    await audited(relay, { event: 'request', code: 'CROSS_SITE_REQUEST', reason: 'origin-not-allowed' });
    await expect(connect(base, { token: tokens.bob, origin: EVIL })).rejects.toThrow();
    await audited(relay, { event: 'socket-handshake', code: 'CROSS_SITE_REQUEST' });
    // The page's own origin is fine.
    const own = await call(base, 'GET', '/api/sessions', { token: tokens.bob, headers: { origin: base } });
    expect(own.status).toBe(200);
  });

  it('limits a user’s messages a minute across their chats, with RATE_LIMITED and retryAfterMs', async () => {
    const dave = await provider.sign(claims({ sub: 'dave', roles: ['member'] }));
    const socket = await connect(base, { token: dave });
    const chats = await Promise.all([0, 1].map(async () => ((await call(base, 'POST', '/api/sessions', { token: dave, body: {} })).body as { sessionId: string }).sessionId));
    const acks: Array<Ack<{ messageId: string }>> = [];
    for (let i = 0; i < 8; i++) {
      const done = new Promise((r) => setTimeout(r, 400));
      acks.push(await emit(socket, 'chat:send', { sessionId: chats[i % 2], clientMessageId: `fair-${i}`, text: `question ${i}` }));
      await done;
    }
    const refused = acks.filter((a) => !a.ok);
    expect(acks.filter((a) => a.ok)).toHaveLength(6);
    expect(refused[0]).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) } });
    await audited(relay, { event: 'socket', code: 'RATE_LIMITED', userId: 'dave', reason: 'user-messages-per-min' });
    socket.close();
  });

  it('follows the provider’s key rotation: a token signed with a new key is accepted once the key set is fetched again', async () => {
    const rotated = await provider.rotated();
    provider = rotated;
    // The key set is fetched again for an unknown kid at most every 10 s.
    await new Promise((r) => setTimeout(r, 10_500));
    const token = await provider.accessTokenFor('bob');
    const me = await call(base, 'GET', '/api/auth/me', { token });
    expect(me.body).toMatchObject({ signedIn: true, user: { userId: 'bob' } });
  }, 60_000);
});

describe('sign-in with local accounts: passwords, the cookie and its CSRF token, signing out', () => {
  let relay: MediumRelay;
  let base: string;
  const password = 'correct horse battery staple';

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'relay-local-'));
    const accounts = new UserAccounts(new FileUserStore(dataDir));
    await accounts.create({ userId: 'erin', password, role: 'member' });
    await accounts.create({ userId: 'frank', password, role: 'member' });
    relay = await startMediumRelay({ AUTH_MODE: 'local', TRUST_PROXY: 'true', LOGIN_MAX_FAILURES: '3', LOGIN_LOCK_MS: '60000' }, { dataDir });
    base = relay.url;
  });
  afterAll(() => relay?.app.close());

  /** Signs in from an address (X-Forwarded-For, TRUST_PROXY): the sign-in cookie and the CSRF token. */
  async function signIn(user: string, from = '10.0.0.1'): Promise<{ cookie: string; csrf: string }> {
    const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': from }, body: JSON.stringify({ username: user, password }) });
    expect(res.status).toBe(200);
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('relay_session='))!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    return { cookie: setCookie.split(';')[0], csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
  }

  const login = (username: string, pw: string, from: string) =>
    call(base, 'POST', '/api/auth/login', { body: { username, password: pw }, headers: { 'x-forwarded-for': from } });

  it('signs in with the right password; the cookie opens the API and, with the CSRF token, changes things', async () => {
    const erin = await signIn('erin');
    const me = await call(base, 'GET', '/api/auth/me', { cookie: erin.cookie });
    expect(me.body).toMatchObject({ mode: 'local', signedIn: true, user: { userId: 'erin', role: 'member' }, csrfToken: erin.csrf });
    const created = await call(base, 'POST', '/api/sessions', { cookie: erin.cookie, csrf: erin.csrf, body: {} });
    expect(created.status).toBe(201);
    // Without the CSRF token (what a cross-site form would send with the cookie): refused.
    const forged = await call(base, 'POST', '/api/sessions', { cookie: erin.cookie, body: {} });
    expect([forged.status, forged.body.error?.code]).toEqual([403, 'CROSS_SITE_REQUEST']);
    const wrong = await call(base, 'DELETE', `/api/sessions/${created.body.sessionId}`, { cookie: erin.cookie, csrf: 'x'.repeat(43) });
    expect(wrong.status).toBe(403);
    await audited(relay, { event: 'request', code: 'CROSS_SITE_REQUEST', reason: 'csrf', userId: 'erin' });
    // A login form posted from another site (not JSON): refused before any password is checked.
    const form = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `username=erin&password=${encodeURIComponent(password)}` });
    expect(form.status).toBe(400);
  });

  it('answers a wrong password and an unknown user alike, then slows that name from that address without locking it out elsewhere', async () => {
    const wrong = await login('erin', 'not the password at all', '10.0.0.2');
    const unknown = await login('nobody-here', 'not the password at all', '10.0.0.2');
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body).toEqual(unknown.body);
    await login('erin', 'still not it at all', '10.0.0.2');
    await login('erin', 'and not this either', '10.0.0.2');
    const locked = await login('erin', password, '10.0.0.2'); // even the right password waits now, from there
    expect([locked.status, locked.body.error?.code]).toEqual([429, 'RATE_LIMITED']);
    expect(locked.body.error?.retryAfterMs).toBeGreaterThan(50_000);
    expect(locked.headers.get('retry-after')).toBe('60');
    // Unknown names lock the same way (no telling which exist).
    for (let i = 0; i < 3; i++) await login('nobody-here', 'x'.repeat(12), '10.0.0.2');
    expect((await login('nobody-here', 'x'.repeat(12), '10.0.0.2')).status).toBe(429);
    // Erin herself, from her own address, is not locked out.
    expect((await login('erin', password, '10.0.0.3')).status).toBe(200);
    await audited(relay, { event: 'sign-in', outcome: 'refused', code: 'RATE_LIMITED', reason: 'login-throttled' });
    await audited(relay, { event: 'sign-in', outcome: 'refused', code: 'UNAUTHORIZED', reason: 'unknown-user' });
  });

  it('signs out: the cookie stops working at once, on REST and on the socket', async () => {
    const frank = await signIn('frank');
    const chat = (await call(base, 'POST', '/api/sessions', { cookie: frank.cookie, csrf: frank.csrf, body: {} })).body as { sessionId: string };
    const socket = await connect(base, { cookie: frank.cookie });
    expect(await emit(socket, 'chat:history', { sessionId: chat.sessionId })).toEqual({ ok: true, messages: [] });
    expect((await call(base, 'POST', '/api/auth/logout', { cookie: frank.cookie, csrf: frank.csrf })).status).toBe(200);
    const after = await call(base, 'GET', '/api/sessions', { cookie: frank.cookie });
    expect([after.status, after.body.error?.code]).toEqual([401, 'UNAUTHORIZED']);
    await audited(relay, { event: 'request', code: 'UNAUTHORIZED', reason: 'sign-in-session-ended' });
    // The socket opened before: its next event is refused and it is disconnected.
    const disconnected = new Promise((r) => socket.once('disconnect', r));
    expect(await emit(socket, 'chat:history', { sessionId: chat.sessionId })).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    await disconnected;
    await expect(connect(base, { cookie: frank.cookie })).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
  });

  it('signs out everywhere: every browser of the user, not other users', async () => {
    const laptop = await signIn('frank');
    const phone = await signIn('frank', '10.0.0.9');
    const erin = await signIn('erin', '10.0.0.4');
    const ended = await call(base, 'POST', '/api/auth/logout-all', { cookie: laptop.cookie, csrf: laptop.csrf });
    expect(ended.body).toMatchObject({ signedIn: false, ended: 2 });
    expect((await call(base, 'GET', '/api/sessions', { cookie: phone.cookie })).status).toBe(401);
    expect((await call(base, 'GET', '/api/sessions', { cookie: erin.cookie })).status).toBe(200);
    await audited(relay, { event: 'sign-out-everywhere', outcome: 'allowed', userId: 'frank' });
  });

  it('gives an API client a bearer sign-in token instead of a cookie, which the socket accepts', async () => {
    const res = await call(base, 'POST', '/api/auth/login', { body: { username: 'erin', password, bearer: true }, headers: { 'x-forwarded-for': '10.0.0.5' } });
    expect(res.headers.getSetCookie()).toEqual([]);
    const token = res.body.token as string;
    expect(token).toMatch(/^rly_/);
    const chat = (await call(base, 'POST', '/api/sessions', { token, body: {} })).body as { sessionId: string };
    const socket = await connect(base, { token });
    const done = await ask(socket, chat.sessionId, 'hello');
    expect(done.text.length).toBeGreaterThan(0);
    socket.close();
  });
});
