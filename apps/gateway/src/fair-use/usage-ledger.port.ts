export interface UserLimits {
  /** 0 = no limit, for each. */
  messagesPerMin: number;
  answersInFlight: number;
  tokensPerDay: number;
}

export const USAGE_LEDGER = Symbol('USAGE_LEDGER');

/** An answer that never ends (its gateway and worker gone) stops counting as in flight after this long. */
export const IN_FLIGHT_STALE_MS = 10 * 60_000;

/**
 * What each signed-in user has used: messages this minute, answers being generated, tokens generated today (UTC).
 * Adapters: in memory (one gateway), or PostgreSQL (every replica counts against the same numbers).
 */
export interface UsageLedger {
  /**
   * Counts a new message against the user's limits and notes its answer as in flight; RATE_LIMITED (with
   * retryAfterMs) and nothing counted when a limit is reached.
   */
  admit(userId: string, messageId: string, limits: UserLimits): Promise<void>;
  /**
   * The message's answer ended (any ending; 0 tokens when none were generated): frees its place and adds its
   * tokens to the user's day. Idempotent by message id: every gateway replica may report the same answer.
   */
  settle(messageId: string, completionTokens: number): Promise<void>;
}
