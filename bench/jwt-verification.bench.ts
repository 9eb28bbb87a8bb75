import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BearerJwtVerifier } from '../apps/gateway/src/auth/bearer-jwt-verifier';
import { loadJose } from '../apps/gateway/src/auth/esm';
import { FileSignInSessionStore } from '../apps/gateway/src/auth/file-sign-in-session-store';
import { hashSignInToken, newCsrfToken, newSignInToken } from '../apps/gateway/src/auth/sign-in-tokens';
import { SessionTokens } from '../apps/gateway/src/session/session-tokens';
import { summary } from './stats';

/**
 * `npm run bench:auth`: what checking a credential adds to each request, per kind of credential, in one run:
 * a bearer JWT (RS256 and ES256, verified with jose against a key set served over HTTP, as a provider's JWKS is),
 * a sign-in token (SHA-256 and a sign-in session lookup in the file store), and the anonymous mode's chat token
 * (an HMAC). Also the first JWT verification, which fetches the key set. Rounds alternate the kinds, so load that
 * drifts on a shared machine weighs on each alike.
 */
const ROUNDS = 4;
const PER_ROUND = 1000;

async function main(): Promise<void> {
  const jose = await loadJose();
  const issuer = 'https://idp.bench.invalid';
  const audience = 'urn:relay:api';
  const rsa = await jose.generateKeyPair('RS256', { extractable: true });
  const ec = await jose.generateKeyPair('ES256', { extractable: true });
  const keys = [
    { ...(await jose.exportJWK(rsa.publicKey)), kid: 'rsa', alg: 'RS256', use: 'sig' },
    { ...(await jose.exportJWK(ec.publicKey)), kid: 'ec', alg: 'ES256', use: 'sig' },
  ];
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const jwksUri = `http://127.0.0.1:${(server.address() as { port: number }).port}/jwks`;
  const policy = { issuer, audience, algorithms: ['RS256', 'ES256'], clockToleranceSec: 30 };

  const sign = (alg: 'RS256' | 'ES256', sub: string) =>
    new jose.SignJWT({ roles: ['member'], groups: ['eng'] })
      .setProtectedHeader({ alg, kid: alg === 'RS256' ? 'rsa' : 'ec' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(alg === 'RS256' ? rsa.privateKey : ec.privateKey);

  // The first verification of a fresh verifier fetches the key set.
  const cold: number[] = [];
  for (let i = 0; i < 20; i++) {
    const token = await sign('RS256', `cold-${i}`);
    const verifier = new BearerJwtVerifier(jwksUri, policy, true);
    const t0 = performance.now();
    await verifier.verify(token);
    cold.push(performance.now() - t0);
  }

  const verifier = new BearerJwtVerifier(jwksUri, policy, true);
  const rsTokens = await Promise.all(Array.from({ length: PER_ROUND }, (_, i) => sign('RS256', `user-${i}`)));
  const esTokens = await Promise.all(Array.from({ length: PER_ROUND }, (_, i) => sign('ES256', `user-${i}`)));
  await verifier.verify(rsTokens[0]);

  const store = new FileSignInSessionStore(mkdtempSync(join(tmpdir(), 'relay-bench-auth-')));
  const signInTokens: string[] = [];
  for (let i = 0; i < 200; i++) {
    const token = newSignInToken();
    signInTokens.push(token);
    await store.create({
      idHash: hashSignInToken(token),
      principal: { userId: `user-${i}`, name: `User ${i}`, role: 'member', roles: ['member'], groups: [] },
      csrfToken: newCsrfToken(),
      createdAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
  }
  const chatTokens = new SessionTokens('b'.repeat(40));
  const chatTokenList = Array.from({ length: PER_ROUND }, (_, i) => chatTokens.issue(`session-${i}`));

  const times: Record<string, number[]> = { 'jwt RS256': [], 'jwt ES256': [], 'sign-in token (file store)': [], 'chat token (HMAC)': [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < PER_ROUND; i++) {
      let t0 = performance.now();
      await verifier.verify(rsTokens[i]);
      times['jwt RS256'].push(performance.now() - t0);
      t0 = performance.now();
      await verifier.verify(esTokens[i]);
      times['jwt ES256'].push(performance.now() - t0);
      t0 = performance.now();
      const session = await store.get(hashSignInToken(signInTokens[i % signInTokens.length]));
      times['sign-in token (file store)'].push(performance.now() - t0);
      if (!session) throw new Error('sign-in session lost');
      t0 = performance.now();
      chatTokens.verify(chatTokenList[i]);
      times['chat token (HMAC)'].push(performance.now() - t0);
    }
  }
  server.close();

  const rows: Array<[string, ReturnType<typeof summary>]> = [['first JWT (fetches the key set)', summary(cold)], ...Object.entries(times).map(([k, v]): [string, ReturnType<typeof summary>] => [k, summary(v)])];
  process.stdout.write('credential check per request, ms\n');
  for (const [name, s] of rows) process.stdout.write(`  ${String(name).padEnd(34)} p50 ${String(s.p50).padStart(7)}  p99 ${String(s.p99).padStart(7)}  n=${s.n}\n`);
}

void main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  },
);
