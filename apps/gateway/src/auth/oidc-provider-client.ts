import { Logger } from '@nestjs/common';
import { RelayError } from '@relay/contracts';
import { createHash } from 'node:crypto';
import { loadJose, loadOpenIdClient, type OpenIdClient } from './esm';

type Configuration = InstanceType<OpenIdClient['Configuration']>;

export interface OidcClientOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  allowHttp: boolean;
  /** Encrypts the login state cookie (AUTH_SECRET). */
  secret: string;
}

/** What the browser keeps between the redirect to the provider and its return (encrypted, in a cookie). */
interface LoginState {
  state: string;
  nonce: string;
  verifier: string;
  redirectUri: string;
  returnTo: string;
}

/** How long a browser has to come back from the provider. */
const LOGIN_STATE_TTL = '10m';

/**
 * Relay's side of the authorization code flow with PKCE (openid-client): discovers the provider, sends the browser
 * there with a fresh state, nonce and code verifier (kept encrypted in a short-lived cookie, so any gateway replica
 * can finish the sign-in), then exchanges the code and checks the ID token (signature, issuer, audience, nonce,
 * expiry) and reads the user's claims (ID token, then userinfo).
 */
export class OidcProviderClient {
  private readonly logger = new Logger('Oidc');
  private configuration?: Promise<Configuration>;
  private discovered = false;
  private lastError?: string;

  constructor(private readonly options: OidcClientOptions) {}

  /** Discovery, retried on the next call when it fails (the provider may start after Relay). */
  async config(): Promise<Configuration> {
    this.configuration ??= (async () => {
      const client = await loadOpenIdClient();
      try {
        const config = await client.discovery(
          new URL(this.options.issuer),
          this.options.clientId,
          this.options.clientSecret || undefined,
          this.options.clientSecret ? client.ClientSecretBasic(this.options.clientSecret) : client.None(),
          { execute: this.options.allowHttp ? [client.allowInsecureRequests] : [], timeout: 10 },
        );
        if (!this.discovered) this.logger.log({ msg: 'OpenID provider discovered', issuer: config.serverMetadata().issuer });
        this.discovered = true;
        this.lastError = undefined;
        return config;
      } catch (err) {
        this.configuration = undefined;
        this.lastError = (err as Error).message;
        throw new RelayError('BUSY', 'The sign-in provider cannot be reached; try again shortly.', { retryAfterMs: 2_000, reason: 'oidc-discovery-failed' });
      }
    })();
    return this.configuration;
  }

  isReady(): boolean {
    return this.discovered;
  }

  details(): Record<string, unknown> {
    return { issuer: this.options.issuer, discovered: this.discovered, ...(this.lastError ? { error: this.lastError } : {}) };
  }

  async jwksUri(): Promise<string> {
    const uri = (await this.config()).serverMetadata().jwks_uri;
    if (!uri) throw new Error('the provider publishes no jwks_uri');
    return uri;
  }

  /** The provider's authorization URL and the encrypted state cookie to set. */
  async start(redirectUri: string, returnTo: string): Promise<{ url: string; stateCookie: string }> {
    const client = await loadOpenIdClient();
    const config = await this.config();
    const login: LoginState = { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier(), redirectUri, returnTo };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.options.scopes,
      code_challenge: await client.calculatePKCECodeChallenge(login.verifier),
      code_challenge_method: 'S256',
      state: login.state,
      nonce: login.nonce,
    });
    return { url: url.href, stateCookie: await this.seal(login) };
  }

  /** Finishes the flow for the URL the provider sent the browser back to; the user's claims and where to go next. */
  async finish(callbackUrl: URL, stateCookie: string | undefined): Promise<{ claims: Record<string, unknown>; returnTo: string }> {
    const login = stateCookie ? await this.open(stateCookie) : undefined;
    if (!login) throw new RelayError('UNAUTHORIZED', 'The sign-in took too long or was started in another browser; please sign in again.', { reason: 'oidc-no-state' });
    const client = await loadOpenIdClient();
    const config = await this.config();
    // The provider sends the browser to the redirect URI; what it checks is that URI, not the Host we were reached by.
    const current = new URL(login.redirectUri);
    current.search = callbackUrl.search;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, { pkceCodeVerifier: login.verifier, expectedState: login.state, expectedNonce: login.nonce, idTokenExpected: true });
    } catch (err) {
      throw new RelayError('UNAUTHORIZED', 'The sign-in could not be completed; please sign in again.', { reason: `oidc-callback: ${(err as Error).message}`.slice(0, 300) });
    }
    const idClaims = (tokens.claims() ?? {}) as Record<string, unknown>;
    let claims = idClaims;
    if (config.serverMetadata().userinfo_endpoint && typeof idClaims.sub === 'string') {
      try {
        claims = { ...idClaims, ...((await client.fetchUserInfo(config, tokens.access_token, idClaims.sub)) as Record<string, unknown>) };
      } catch (err) {
        this.logger.warn({ msg: 'userinfo not read; using the ID token’s claims', err: (err as Error).message });
      }
    }
    return { claims, returnTo: login.returnTo };
  }

  private async key(): Promise<Uint8Array> {
    return new Uint8Array(createHash('sha256').update(`relay-oidc-login-state:${this.options.secret}`).digest());
  }

  private async seal(login: LoginState): Promise<string> {
    const jose = await loadJose();
    return new jose.EncryptJWT({ ...login }).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).setIssuedAt().setExpirationTime(LOGIN_STATE_TTL).encrypt(await this.key());
  }

  private async open(cookie: string): Promise<LoginState | undefined> {
    const jose = await loadJose();
    try {
      const { payload } = await jose.jwtDecrypt(cookie, await this.key(), { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
      const { state, nonce, verifier, redirectUri, returnTo } = payload as Partial<LoginState>;
      if ([state, nonce, verifier, redirectUri, returnTo].some((v) => typeof v !== 'string')) return undefined;
      return { state, nonce, verifier, redirectUri, returnTo } as LoginState;
    } catch {
      return undefined;
    }
  }
}
