import { RelayError } from '@relay/contracts';
import type { NextFunction, Request, Response } from 'express';
import { writeRelayError } from '../http/relay-exception.filter';
import type { RateLimits } from './rate-limits';

/** Counts every API call against its client address's limit (the page's static files and health are not counted). */
export function clientRateLimit(limits: RateLimits) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!req.originalUrl.startsWith('/api/')) return next();
    try {
      limits.request(limits.clientOf(req.socket.remoteAddress, req.headers['x-forwarded-for']));
      next();
    } catch (err) {
      if (err instanceof RelayError) return writeRelayError(res, err);
      next(err);
    }
  };
}
