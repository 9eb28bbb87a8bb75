import { ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { freePort } from '../relay-process';

type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });
const loadJose = (): Promise<Jose> => import('jose');

export interface TestAccount {
  name: string;
  roles?: string[];
  groups?: string[];
}

export const RELAY_CLIENT_ID = 'relay-web';
/** Relay's API as a resource indicator (RFC 8707: an absolute URI); OIDC_AUDIENCE in the tests. */
export const API_RESOURCE = 'urn:relay:api';

/**
 * The real OIDC provider (test/support/oidc/provider-server.mjs, the `oidc-provider` package) as a child process,
 * with signing keys made here so a test can also sign tokens with the provider's own key (the attack list: an
 * expired or wrong-audience token that is otherwise perfectly signed).
 */
export class TestOidcProvider {
  private constructor(
    private readonly child: ChildProcess,
    readonly issuer: string,
    readonly port: number,
    /** The provider's signing key (private JWK) and its kid. */
    readonly signingKey: Record<string, unknown> & { kid: string },
    private readonly options: StartOptions,
    private readonly log: { text: string },
  ) {}

  /** What the provider printed (for a failure's message). */
  output(): string {
    return this.log.text;
  }

  static async start(options: StartOptions): Promise<TestOidcProvider> {
    const jose = await loadJose();
    const port = options.port ?? (await freePort());
    const signingKey = options.signingKey ?? (await newSigningKey());
    const config = {
      port,
      keys: [signingKey, ...(options.extraKeys ?? [])],
      resource: API_RESOURCE,
      accounts: options.accounts,
      clients: [
        { client_id: RELAY_CLIENT_ID, token_endpoint_auth_method: 'none', redirect_uris: options.redirectUris, grant_types: ['authorization_code'], response_types: ['code'] },
        // A command-line API client of the same provider: it signs a user in and asks for a token for Relay's API.
        { client_id: 'relay-cli', token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1/cli-callback'], grant_types: ['authorization_code'], response_types: ['code'] },
      ],
    };
    const child = spawn(process.execPath, [join(__dirname, 'provider-server.mjs')], {
      env: { PATH: process.env.PATH ?? '', PROVIDER_CONFIG: JSON.stringify(config), NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = { text: '' };
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`OIDC provider did not start:\n${log.text}`)), 20_000);
      child.stdout!.on('data', (d) => {
        log.text += d;
        if (log.text.includes('ready ')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr!.on('data', (d) => (log.text = (log.text + d).slice(-20_000)));
      child.once('exit', (code) => reject(new Error(`OIDC provider exited ${code}:\n${log.text}`)));
    });
    void jose;
    return new TestOidcProvider(child, `http://127.0.0.1:${port}`, port, signingKey, { ...options, port, signingKey }, log);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((ok) => this.child.once('exit', ok));
    this.child.kill('SIGTERM');
    await exited;
  }

  /** The same provider restarted with another signing key first (key rotation): the old one still published. */
  async rotated(): Promise<TestOidcProvider> {
    await this.stop();
    const next = await newSigningKey();
    return TestOidcProvider.start({ ...this.options, signingKey: next, extraKeys: [this.signingKey] });
  }

  /** Signs claims with the provider's own key, as the provider would (for the tokens the provider would never issue). */
  async sign(claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
    const jose = await loadJose();
    const key = await jose.importJWK(this.signingKey, 'RS256');
    return new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: this.signingKey.kid, typ: 'at+jwt', ...header }).sign(key);
  }

  /** The provider's public key as PEM (what an attacker has: it is published). */
  async publicKeyPem(): Promise<string> {
    const jose = await loadJose();
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = this.signingKey;
    return jose.exportSPKI((await jose.importJWK(pub, 'RS256')) as CryptoKey);
  }

  /**
   * An API client's access token, from the provider's own authorization code flow: signs `account` in through the
   * provider's login and consent forms, exchanges the code (PKCE) for a JWT access token for Relay's API.
   */
  async accessTokenFor(account: string): Promise<string> {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const redirectUri = 'http://127.0.0.1/cli-callback';
    const jar = new Map<string, string>();
    const send = async (url: string, init: RequestInit = {}) => {
      const res = await fetch(new URL(url, this.issuer), { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair.indexOf('=');
        jar.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      return res;
    };
    const auth = new URL('/auth', this.issuer);
    auth.search = new URLSearchParams({
      client_id: 'relay-cli',
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: randomBytes(8).toString('hex'),
      resource: API_RESOURCE,
    }).toString();
    let res = await send(auth.href);
    for (let step = 0; step < 10; step++) {
      const location = res.headers.get('location');
      if (!location) throw new Error(`provider flow stopped at ${res.status}: ${await res.text()}`);
      if (location.startsWith(redirectUri)) {
        const code = new URL(location).searchParams.get('code');
        const token = await fetch(new URL('/token', this.issuer), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, redirect_uri: redirectUri, code_verifier: verifier, client_id: 'relay-cli', resource: API_RESOURCE }),
        });
        const body = (await token.json()) as { access_token?: string; error?: string; error_description?: string };
        if (!body.access_token) throw new Error(`no access token: ${body.error} ${body.error_description}\n${this.output()}`);
        return body.access_token;
      }
      res = await send(location);
      if (res.status === 200) {
        // An interaction page: the login form first, then the consent form.
        const html = await res.text();
        const action = /action="([^"]+)"/.exec(html)?.[1];
        const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
        if (!action || !prompt) throw new Error(`unexpected interaction page: ${html.slice(0, 300)}`);
        const form: Record<string, string> = prompt === 'login' ? { prompt, login: account, password: 'any' } : { prompt };
        res = await send(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
      }
    }
    throw new Error('provider flow did not end');
  }
}

interface StartOptions {
  accounts: Record<string, TestAccount>;
  redirectUris: string[];
  port?: number;
  signingKey?: Record<string, unknown> & { kid: string };
  extraKeys?: Record<string, unknown>[];
}

async function newSigningKey(): Promise<Record<string, unknown> & { kid: string }> {
  const jose = await loadJose();
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  return { ...jwk, kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
}
