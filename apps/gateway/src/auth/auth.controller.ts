import { Body, Controller, Get, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { RelayError } from '@relay/contracts';
import type { CookieOptions, Request, Response } from 'express';
import { z } from 'zod';
import { AccessAudit } from '../audit/access-audit';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { RateLimits } from '../rate-limit/rate-limits';
import { Authenticator, type SignIn } from './authenticator';
import { cookieValue, OIDC_STATE_COOKIE, SESSION_COOKIE } from './credentials';
import type { Principal } from './principal';
import { principalOf } from './request-principal';

const loginSchema = z
  .object({
    username: z.string().min(1).max(64),
    password: z.string().min(1).max(1024),
    /** An API client: answer with a bearer token instead of setting the cookie. */
    bearer: z.boolean().optional(),
  })
  .strict();

/** Where a sign-in may send the browser back to: a path of this site only (never `//other.site` or a URL). */
const LOCAL_PATH = /^\/(?![/\\])[\w\-./?=&%#~]*$/;

export interface MeResponse {
  mode: Authenticator['mode'];
  signedIn: boolean;
  user?: { userId: string; name: string; role: Principal['role']; groups: string[] };
  /** Sent back in X-CSRF-Token on every request that changes something (cookie sign-ins only). */
  csrfToken?: string;
}

/**
 * Signing in and out (docs/protocol.md, "Sign-in"): who am I, password sign-in (local), the OpenID Connect redirect
 * and callback (oidc), sign out here, sign out everywhere. The browser's sign-in rides on an httpOnly, SameSite=Lax
 * cookie; requests that change something also carry the session's CSRF token.
 */
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly audit: AccessAudit,
    private readonly limits: RateLimits,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get('me')
  me(@Req() req: Request): MeResponse {
    const principal = principalOf(req);
    if (!principal) return { mode: this.authenticator.mode, signedIn: false };
    return {
      mode: this.authenticator.mode,
      signedIn: true,
      user: { userId: principal.userId, name: principal.name, role: principal.role, groups: principal.groups },
      ...(principal.csrfToken ? { csrfToken: principal.csrfToken } : {}),
    };
  }

  @Post('login')
  @HttpCode(200)
  async login(@Req() req: Request, @Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const client = this.clientOf(req);
    // JSON only: a cross-site form cannot send it without a CORS preflight, which is never granted (login CSRF).
    if (!req.is('application/json')) throw new RelayError('INVALID_PAYLOAD', 'Send JSON: { "username", "password" }.');
    const parsed = loginSchema.safeParse(body);
    if (!parsed.success) throw new RelayError('INVALID_PAYLOAD', `Invalid payload: ${parsed.error.issues[0].path.join('.') || 'body'}: ${parsed.error.issues[0].message}`);
    let signIn: SignIn;
    try {
      signIn = await this.authenticator.signInWithPassword(parsed.data.username, parsed.data.password, client);
    } catch (err) {
      if (err instanceof RelayError) {
        this.audit.record({ event: 'sign-in', outcome: 'refused', code: err.code, reason: String(err.details.reason ?? err.message), userId: parsed.data.username.slice(0, 64), client });
      }
      throw err;
    }
    this.audit.record({ event: 'sign-in', outcome: 'allowed', userId: signIn.principal.userId, client, reason: parsed.data.bearer ? 'password, bearer token' : 'password' });
    const user = userOf(signIn.principal);
    if (parsed.data.bearer) return { token: signIn.token, user, expiresAt: signIn.expiresAt };
    res.cookie(SESSION_COOKIE, signIn.token, this.cookieOptions(req, signIn.expiresAt));
    return { user, csrfToken: signIn.csrfToken, expiresAt: signIn.expiresAt };
  }

  @Post('logout')
  @HttpCode(200)
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const principal = this.required(req);
    await this.authenticator.signOut(principal);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    this.audit.record({ event: 'sign-out', outcome: 'allowed', userId: principal.userId, client: this.clientOf(req) });
    return { signedIn: false };
  }

  /** Ends every sign-in of the user: every browser, every opaque API token (bearer JWTs end at their expiry). */
  @Post('logout-all')
  @HttpCode(200)
  async logoutAll(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const principal = this.required(req);
    const ended = await this.authenticator.signOutEverywhere(principal.userId);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    this.audit.record({ event: 'sign-out-everywhere', outcome: 'allowed', userId: principal.userId, client: this.clientOf(req), reason: `${ended} sign-ins ended` });
    return { signedIn: false, ended };
  }

  @Get('oidc/start')
  async oidcStart(@Req() req: Request, @Res() res: Response, @Query('returnTo') returnTo?: string): Promise<void> {
    const oidc = this.oidc();
    const target = typeof returnTo === 'string' && returnTo.length <= 500 && LOCAL_PATH.test(returnTo) ? returnTo : '/';
    const { url, stateCookie } = await oidc.start(this.redirectUri(req), target);
    res.cookie(OIDC_STATE_COOKIE, stateCookie, { ...this.cookieOptions(req), maxAge: 10 * 60_000, path: '/api/auth/oidc' });
    res.redirect(302, url);
  }

  @Get('oidc/callback')
  async oidcCallback(@Req() req: Request, @Res() res: Response): Promise<void> {
    const oidc = this.oidc();
    const client = this.clientOf(req);
    res.clearCookie(OIDC_STATE_COOKIE, { path: '/api/auth/oidc' });
    let signIn: SignIn;
    let returnTo: string;
    try {
      const outcome = await oidc.finish(new URL(req.originalUrl, 'http://relay.invalid'), cookieValue(req.headers.cookie, OIDC_STATE_COOKIE));
      returnTo = outcome.returnTo;
      signIn = await this.authenticator.signInWithClaims(outcome.claims);
    } catch (err) {
      const error = err instanceof RelayError ? err : new RelayError('UNAUTHORIZED', 'The sign-in failed.');
      this.audit.record({ event: 'sign-in', outcome: 'refused', code: error.code, reason: String(error.details.reason ?? error.message), client });
      res.redirect(302, `/?signInError=${encodeURIComponent(error.code)}`);
      return;
    }
    this.audit.record({ event: 'sign-in', outcome: 'allowed', userId: signIn.principal.userId, client, reason: 'oidc' });
    res.cookie(SESSION_COOKIE, signIn.token, this.cookieOptions(req, signIn.expiresAt));
    res.redirect(302, returnTo);
  }

  private oidc() {
    const oidc = this.authenticator.oidc;
    if (this.authenticator.mode !== 'oidc' || !oidc) throw new RelayError('NOT_FOUND', 'OpenID Connect sign-in is not enabled (AUTH_MODE is not oidc).');
    return oidc;
  }

  private required(req: Request): Principal {
    const principal = principalOf(req);
    if (!principal) throw new RelayError('UNAUTHORIZED', 'Sign in first.');
    return principal;
  }

  private clientOf(req: Request): string {
    return this.limits.clientOf(req.socket.remoteAddress, req.headers['x-forwarded-for']);
  }

  private secure(req: Request): boolean {
    return req.secure || (this.config.TRUST_PROXY && req.headers['x-forwarded-proto'] === 'https');
  }

  private redirectUri(req: Request): string {
    return this.config.OIDC_REDIRECT_URL || `${this.secure(req) ? 'https' : 'http'}://${req.headers.host}/api/auth/oidc/callback`;
  }

  /** httpOnly (scripts never see it), SameSite=Lax (other sites' requests do not carry it, except top-level navigations), Secure over https. */
  private cookieOptions(req: Request, expiresAt?: string): CookieOptions {
    return { httpOnly: true, sameSite: 'lax', secure: this.secure(req), path: '/', ...(expiresAt ? { expires: new Date(expiresAt) } : {}) };
  }
}

function userOf(p: Principal) {
  return { userId: p.userId, name: p.name, role: p.role, groups: p.groups };
}
