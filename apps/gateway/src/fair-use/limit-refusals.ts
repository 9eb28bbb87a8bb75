import { RelayError } from '@relay/contracts';

export function tooManyMessages(limit: number, retryAfterMs: number): RelayError {
  return new RelayError('RATE_LIMITED', `You have sent ${limit} messages this minute (the most allowed); wait a moment.`, { retryAfterMs: Math.max(1, Math.ceil(retryAfterMs)), reason: 'user-messages-per-min' });
}

export function tooManyInFlight(limit: number): RelayError {
  return new RelayError('RATE_LIMITED', `You already have ${limit} answers being written (the most at once); wait for one to finish.`, { retryAfterMs: 1000, reason: 'user-answers-in-flight' });
}

export function outOfTokens(limit: number, now: number): RelayError {
  const midnight = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate() + 1);
  return new RelayError('RATE_LIMITED', `You have used today’s ${limit} generated tokens; more are available after midnight UTC.`, { retryAfterMs: midnight - now, reason: 'user-tokens-per-day' });
}

export const utcDay = (now: number) => new Date(now).toISOString().slice(0, 10);
