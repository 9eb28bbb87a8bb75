import { Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { RelayError } from '@relay/contracts';
import { ReadinessRegistry } from '@relay/observability';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { PasswordHasher } from '../users/password-hasher';
import { USER_STORE, type UserStore } from '../users/user-store.port';
import { type AuthMode, listOf } from './auth.config';
import { BearerJwtVerifier } from './bearer-jwt-verifier';
import { principalFromClaims } from './claims';
import type { Credentials } from './credentials';
import { LoginThrottle } from './login-throttle';
import { OidcProviderClient } from './oidc-provider-client';
import type { Principal } from './principal';
import { SIGN_IN_SESSION_STORE, type SessionPrincipal, type SignInSessionStore } from './sign-in-session-store.port';
import { hashSignInToken, isSignInToken, newCsrfToken, newSignInToken } from './sign-in-tokens';

/** A principal with what its sign-in session adds. */
export type AuthenticatedPrincipal = Principal & { csrfToken?: string };

export interface SignIn {
  /** The sign-in token: the cookie's value for a browser, the bearer token for an API client. */
  token: string;
  principal: Principal;
  csrfToken: string;
  expiresAt: string;
}

/** How often discovery is tried again while the provider cannot be reached. */
const DISCOVERY_RETRY_MS = 3_000;

const JWT_SHAPE = /^[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

/**
 * Turns credentials into a principal, in the configured AUTH_MODE:
 * - anonymous: nobody signs in (chats are opened by their own tokens, as before);
 * - local: a sign-in token (cookie or bearer) of a session created by a correct password; the account is read again
 *   every time, so a disabled account or a changed role holds at once;
 * - oidc: a sign-in token of a session created by the provider's code flow, or a bearer JWT from the provider.
 * Sign-in sessions are looked up on every request and socket event: signing out holds at once, on every replica.
 */
@Injectable()
export class Authenticator implements OnApplicationBootstrap {
  private readonly logger = new Logger('Authenticator');
  readonly mode: AuthMode;
  private readonly hasher = new PasswordHasher();
  private readonly throttle: LoginThrottle;
  private jwt?: Promise<BearerJwtVerifier>;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(SIGN_IN_SESSION_STORE) private readonly sessions: SignInSessionStore,
    @Inject(USER_STORE) private readonly users: UserStore,
    @Optional() readonly oidc?: OidcProviderClient,
    @Optional() readiness?: ReadinessRegistry,
  ) {
    this.mode = config.AUTH_MODE;
    this.throttle = new LoginThrottle({ maxFailures: config.LOGIN_MAX_FAILURES, lockMs: config.LOGIN_LOCK_MS, attemptsPerMin: config.LOGIN_ATTEMPTS_PER_MIN });
    if (this.mode === 'oidc' && oidc) readiness?.register({ name: 'identity-provider', check: () => ({ ready: oidc.isReady(), details: oidc.details() }) });
  }

  onApplicationBootstrap(): void {
    if (this.mode === 'anonymous') {
      this.logger.warn({ msg: 'AUTH_MODE=anonymous: anyone who can reach this port can chat and read the documents; set AUTH_MODE=local or oidc to require sign-in' });
      return;
    }
    this.logger.log({ msg: 'sign-in required', mode: this.mode });
    // Discovered now so the first sign-in does not wait; retried every few seconds until it works (readiness waits for it).
    if (this.oidc) this.discover(this.oidc, 0);
  }

  private discover(oidc: OidcProviderClient, attempt: number): void {
    oidc.config().catch(() => {
      if (attempt === 0) this.logger.warn({ msg: 'OpenID provider not reachable yet; retrying', ...oidc.details() });
      setTimeout(() => this.discover(oidc, attempt + 1), DISCOVERY_RETRY_MS).unref();
    });
  }

  get signInRequired(): boolean {
    return this.mode !== 'anonymous';
  }

  /** The principal behind the credentials; undefined when there are none; UNAUTHORIZED when they are not valid. */
  async authenticate(credentials: Credentials): Promise<AuthenticatedPrincipal | undefined> {
    if (this.mode === 'anonymous') return undefined;
    if (credentials.bearer !== undefined) {
      if (isSignInToken(credentials.bearer)) return this.fromSignInToken(credentials.bearer, 'bearer');
      if (this.mode === 'oidc' && JWT_SHAPE.test(credentials.bearer)) return this.fromJwt(credentials.bearer);
      throw new RelayError('UNAUTHORIZED', 'The bearer token is not one Relay issued or accepts.', { reason: 'unknown-token-kind' });
    }
    if (credentials.session !== undefined) {
      if (!isSignInToken(credentials.session)) throw new RelayError('UNAUTHORIZED', 'The sign-in cookie is not valid; please sign in again.', { reason: 'malformed-cookie' });
      return this.fromSignInToken(credentials.session, 'cookie');
    }
    return undefined;
  }

  /** AUTH_MODE=local: checks the password (slowed and locked per name and address) and starts a sign-in session. */
  async signInWithPassword(userName: string, password: string, client: string): Promise<SignIn> {
    if (this.mode !== 'local') throw new RelayError('NOT_FOUND', 'Password sign-in is not enabled (AUTH_MODE is not local).');
    const name = userName.trim().toLowerCase();
    this.throttle.check(name, client);
    const user = await this.users.get(name);
    // An unknown name costs the same hashing as a known one and gets the same answer.
    const ok = await this.hasher.verify(password, user?.passwordHash);
    if (!ok || !user || user.disabled) {
      this.throttle.failed(name, client);
      throw new RelayError('UNAUTHORIZED', 'Wrong user name or password.', { reason: !user ? 'unknown-user' : user.disabled ? 'account-disabled' : 'wrong-password' });
    }
    this.throttle.succeeded(name, client);
    return this.startSession({ userId: user.userId, name: user.displayName, role: user.role, roles: [user.role], groups: user.groups });
  }

  /** AUTH_MODE=oidc: the provider vouched for these claims; starts a sign-in session for that user. */
  async signInWithClaims(claims: Record<string, unknown>): Promise<SignIn> {
    const principal = principalFromClaims(claims, this.claimOptions(), 'cookie');
    if (!principal.userId) throw new RelayError('UNAUTHORIZED', 'The provider did not say who you are (no subject).', { reason: 'oidc-no-sub' });
    return this.startSession(principal);
  }

  async signOut(principal: Principal): Promise<void> {
    if (principal.signInSessionHash) await this.sessions.delete(principal.signInSessionHash);
  }

  /** Ends every sign-in of the user (every browser and opaque API token); bearer JWTs end when they expire. */
  signOutEverywhere(userId: string): Promise<number> {
    return this.sessions.deleteAllOf(userId);
  }

  private async startSession(who: SessionPrincipal): Promise<SignIn> {
    const token = newSignInToken();
    const csrfToken = newCsrfToken();
    const now = Date.now();
    const expiresAt = new Date(now + this.config.AUTH_SESSION_TTL_HOURS * 3_600_000).toISOString();
    const principal: SessionPrincipal = { ...who, roles: [...new Set([who.role, ...who.roles])] };
    await this.sessions.create({ idHash: hashSignInToken(token), principal, csrfToken, createdAt: new Date(now).toISOString(), expiresAt });
    return { token, csrfToken, expiresAt, principal: { ...principal, via: 'cookie', signInSessionHash: hashSignInToken(token) } };
  }

  private async fromSignInToken(token: string, via: Principal['via']): Promise<AuthenticatedPrincipal> {
    const idHash = hashSignInToken(token);
    const session = await this.sessions.get(idHash);
    if (!session) throw new RelayError('UNAUTHORIZED', 'You are signed out (the sign-in ended or expired); please sign in again.', { reason: 'sign-in-session-ended' });
    let who = session.principal;
    if (this.mode === 'local') {
      const user = await this.users.get(who.userId);
      if (!user || user.disabled) {
        await this.sessions.delete(idHash);
        throw new RelayError('UNAUTHORIZED', 'This account no longer exists or is disabled.', { reason: 'account-gone' });
      }
      who = { userId: user.userId, name: user.displayName, role: user.role, roles: [user.role], groups: user.groups };
    }
    return { ...who, via, signInSessionHash: idHash, csrfToken: session.csrfToken, expiresAt: Date.parse(session.expiresAt) };
  }

  private async fromJwt(token: string): Promise<AuthenticatedPrincipal> {
    const verifier = await this.jwtVerifier();
    const claims = await verifier.verify(token);
    return { ...principalFromClaims(claims, this.claimOptions(), 'bearer'), expiresAt: claims.exp * 1000 };
  }

  private jwtVerifier(): Promise<BearerJwtVerifier> {
    this.jwt ??= (async () => {
      if (!this.oidc) throw new Error('no OpenID provider configured');
      const issuer = (await this.oidc.config()).serverMetadata().issuer;
      return new BearerJwtVerifier(
        await this.oidc.jwksUri(),
        {
          issuer,
          audience: this.config.OIDC_AUDIENCE || this.config.OIDC_CLIENT_ID,
          algorithms: listOf(this.config.OIDC_ALGORITHMS),
          clockToleranceSec: this.config.OIDC_CLOCK_TOLERANCE_SEC,
        },
        this.config.OIDC_ALLOW_HTTP,
      );
    })().catch((err) => {
      this.jwt = undefined;
      throw err;
    });
    return this.jwt;
  }

  private claimOptions() {
    return { rolesClaim: this.config.OIDC_ROLES_CLAIM, groupsClaim: this.config.OIDC_GROUPS_CLAIM, defaultRole: this.config.OIDC_DEFAULT_ROLE };
  }
}
