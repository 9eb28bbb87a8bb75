import { RelayError } from '@relay/contracts';
import { type Jose, loadJose } from './esm';

export interface JwtPolicy {
  issuer: string;
  audience: string;
  algorithms: string[];
  clockToleranceSec: number;
}

/** How long an unknown `kid` waits before the key set is fetched again (a flood of made-up kids costs one fetch per period). */
const JWKS_COOLDOWN_MS = 10_000;
/** A key set is fetched again after this long even when every kid is known (keys retired at the provider go). */
const JWKS_MAX_AGE_MS = 10 * 60_000;

/**
 * Verifies API clients' bearer JWTs against the provider's published keys (jose): the signature with a key of the
 * JWKS (fetched again when a token names a key it does not hold: key rotation), an algorithm of the allow-list
 * (never `none`, never HMAC: a token "signed" with the public key as an HMAC secret is refused), the issuer, the
 * audience, `exp` (required), `nbf` and `iat`, with OIDC_CLOCK_TOLERANCE_SEC of clock difference.
 */
export class BearerJwtVerifier {
  private keys?: ReturnType<Jose['createRemoteJWKSet']>;

  constructor(
    private readonly jwksUri: string,
    private readonly policy: JwtPolicy,
    private readonly allowHttp: boolean,
  ) {}

  /** The token's claims, or UNAUTHORIZED saying what is wrong with it (the reason goes to the audit trail). */
  async verify(token: string): Promise<Record<string, unknown> & { sub: string; exp: number }> {
    const jose = await loadJose();
    this.keys ??= jose.createRemoteJWKSet(new URL(this.jwksUri), { cooldownDuration: JWKS_COOLDOWN_MS, cacheMaxAge: JWKS_MAX_AGE_MS, timeoutDuration: 5_000 });
    try {
      const { payload } = await jose.jwtVerify(token, this.keys, {
        issuer: this.policy.issuer,
        audience: this.policy.audience,
        algorithms: this.policy.algorithms,
        clockTolerance: this.policy.clockToleranceSec,
        requiredClaims: ['exp', 'sub'],
      });
      if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 255) throw new RelayError('UNAUTHORIZED', 'The bearer token has no usable subject.', { reason: 'jwt-bad-sub' });
      return payload as Record<string, unknown> & { sub: string; exp: number };
    } catch (err) {
      if (err instanceof RelayError) throw err;
      throw refusal(err as { code?: string; claim?: string; message?: string });
    }
  }

  /** Whether the key set URL is http (only with OIDC_ALLOW_HTTP). */
  get insecure(): boolean {
    return this.allowHttp && this.jwksUri.startsWith('http:');
  }
}

/** jose's error codes, said for a client (the code is kept as the audit reason). */
function refusal(err: { code?: string; claim?: string; message?: string }): RelayError {
  const code = err.code ?? 'ERR_UNKNOWN';
  const said: Record<string, string> = {
    ERR_JWT_EXPIRED: 'it has expired',
    ERR_JWT_CLAIM_VALIDATION_FAILED: err.claim ? `its ${err.claim} claim is not acceptable` : 'a claim is not acceptable',
    ERR_JOSE_ALG_NOT_ALLOWED: 'its signature algorithm is not accepted',
    ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'its signature does not verify',
    ERR_JWKS_NO_MATCHING_KEY: 'no key of the provider signed it',
    ERR_JWS_INVALID: 'it is not a well-formed signed token',
    ERR_JWT_INVALID: 'it is not a well-formed token',
    ERR_JOSE_NOT_SUPPORTED: 'its signature algorithm is not supported',
    ERR_JWKS_TIMEOUT: 'the provider’s keys could not be fetched',
  };
  const reason = code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && err.claim ? `jwt-claim-${err.claim}` : code;
  return new RelayError('UNAUTHORIZED', `The bearer token was refused: ${said[code] ?? 'it is not valid'}.`, { reason });
}
