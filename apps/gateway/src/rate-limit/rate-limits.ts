import { Inject, Injectable } from '@nestjs/common';
import { RelayError } from '@relay/contracts';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { clientAddress } from './client-address';
import { KeyedRateLimiter, RateDecision } from './keyed-rate-limiter';

/**
 * The gateway's flood limits, each a keyed limiter with expiring entries:
 * - every request of a client address (chat events, socket connections, API calls): CLIENT_RATE_PER_SEC / _BURST;
 * - chat:send per session, however many sockets the session has: CHAT_RATE_PER_SEC / _BURST;
 * - new sessions per client address: SESSION_CREATE_PER_MIN / _BURST.
 * Per-user limits (after sign-in) are one more limiter keyed `user:<id>` here.
 */
@Injectable()
export class RateLimits {
  private readonly perClient: KeyedRateLimiter;
  private readonly chatPerSession: KeyedRateLimiter;
  private readonly sessionsPerClient: KeyedRateLimiter;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {
    this.perClient = new KeyedRateLimiter({ ratePerSec: config.CLIENT_RATE_PER_SEC, burst: config.CLIENT_RATE_BURST });
    this.chatPerSession = new KeyedRateLimiter({ ratePerSec: config.CHAT_RATE_PER_SEC, burst: config.CHAT_RATE_BURST });
    this.sessionsPerClient = new KeyedRateLimiter({ ratePerSec: config.SESSION_CREATE_PER_MIN / 60, burst: config.SESSION_CREATE_BURST });
  }

  /** The key a connection's requests are counted under (see clientAddress; TRUST_PROXY decides about X-Forwarded-For). */
  clientOf(remoteAddress: string | undefined, forwardedFor: string | string[] | undefined): string {
    return clientAddress(remoteAddress, forwardedFor, this.config.TRUST_PROXY);
  }

  /** Any request from this client address. */
  request(client: string): void {
    refuseIfLimited(this.perClient.take(`client:${client}`), `Too many requests from your address: at most ${this.config.CLIENT_RATE_PER_SEC} a second (bursts of ${this.config.CLIENT_RATE_BURST}).`);
  }

  /** A chat:send for this session (the client's request is counted by `request`). */
  chatSend(sessionId: string): void {
    refuseIfLimited(this.chatPerSession.take(`session:${sessionId}`), `Too many messages: at most ${this.config.CHAT_RATE_PER_SEC} a second (bursts of ${this.config.CHAT_RATE_BURST}).`);
  }

  /** POST /api/sessions from this client address. */
  sessionCreate(client: string): void {
    refuseIfLimited(
      this.sessionsPerClient.take(`client:${client}`),
      `Too many new sessions from your address: at most ${this.config.SESSION_CREATE_PER_MIN} a minute (bursts of ${this.config.SESSION_CREATE_BURST}).`,
    );
  }
}

function refuseIfLimited(decision: RateDecision, message: string): void {
  if (!decision.allowed) throw new RelayError('RATE_LIMITED', message, { retryAfterMs: decision.retryAfterMs });
}
