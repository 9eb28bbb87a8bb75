import { Logger } from '@nestjs/common';
import { Ack, ErrorBody, RelayError } from '@relay/contracts';
import type { ZodType } from 'zod';

const logger = new Logger('ChatGateway');

/** Refusals that go to the audit trail (besides the interaction records): who tried what they may not. */
export const AUDITED_REFUSALS: ReadonlySet<string> = new Set(['UNAUTHORIZED', 'FORBIDDEN', 'CROSS_SITE_REQUEST', 'UNKNOWN_SESSION', 'UNKNOWN_MESSAGE', 'NOT_FOUND', 'RATE_LIMITED']);

/** Any failure as the error half of an ack: RelayErrors keep their code, anything else is INTERNAL (and logged). */
export function toErrorAck(err: unknown): Ack & { ok: false } {
  if (err instanceof RelayError) {
    const error: ErrorBody = { code: err.code, message: err.message };
    if (typeof err.details.retryAfterMs === 'number') error.retryAfterMs = err.details.retryAfterMs;
    if (typeof err.details.estimatedWaitMs === 'number') error.estimatedWaitMs = err.details.estimatedWaitMs;
    return { ok: false, error };
  }
  logger.error({ msg: 'unexpected error in socket handler', err: (err as Error)?.stack ?? String(err) });
  return { ok: false, error: { code: 'INTERNAL', message: 'Something went wrong on our side; please try again.' } };
}

/** Parses a client payload, or INVALID_PAYLOAD naming the first field that is wrong. */
export function parsePayload<T>(schema: ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.join('.') || 'payload';
  throw new RelayError('INVALID_PAYLOAD', `Invalid payload: ${field}: ${issue.message}`);
}
