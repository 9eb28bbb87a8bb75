import type { ErrorCode } from '@relay/contracts';
import type { RelayMetrics } from '@relay/observability';
import type { NextFunction, Request, Response } from 'express';

/** Where a REST response keeps the error code it refused with, for countRefusals to read once it is sent. */
const REFUSAL_CODE = 'relayRefusalCode';

/** Marks a REST response as refused with `code` (writeRelayError and the exception filter do, for every error body). */
export function markRefusal(res: Response, code: ErrorCode): void {
  res.locals[REFUSAL_CODE] = code;
}

/**
 * Counts every REST refusal in `relay_gateway_refusals_total{surface="http", code}` once its response has gone out,
 * whichever middleware, guard or controller refused it (rate limit, host check, sign-in, a full upload queue…): one
 * place, ahead of all the others, instead of a counter call beside every `throw`.
 */
export function countRefusals(metrics: RelayMetrics | undefined) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (metrics) {
      res.once('finish', () => {
        const code: unknown = res.locals[REFUSAL_CODE];
        if (typeof code === 'string') metrics.refusals.inc({ surface: 'http', code });
      });
    }
    next();
  };
}
