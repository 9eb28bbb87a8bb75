import { RelayError } from '@relay/contracts';
import type { NextFunction, Request, Response } from 'express';
import type { AllowedHosts } from './allowed-hosts';
import { writeRelayError } from './relay-exception.filter';

/**
 * Refuses, before anything else runs, a request whose Host is not one of this server's names (DNS rebinding):
 * 421 Misdirected Request, `HOST_NOT_ALLOWED`, saying which variable to set. Covers the API, the page and health.
 */
export function hostCheck(hosts: AllowedHosts) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (hosts.allowsHost(req.headers.host)) return next();
    writeRelayError(res, new RelayError('HOST_NOT_ALLOWED', HOST_NOT_ALLOWED_MESSAGE));
  };
}

export const HOST_NOT_ALLOWED_MESSAGE = 'This server does not answer to that host name. Add it to ALLOWED_HOSTS (comma-separated) to reach Relay by it.';
