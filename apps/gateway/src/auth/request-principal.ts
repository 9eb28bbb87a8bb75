import type { Request } from 'express';
import type { AuthenticatedPrincipal } from './authenticator';

/** The principal the identity middleware found for a request (sign-in modes), if any. */
export function principalOf(req: Request): AuthenticatedPrincipal | undefined {
  return (req as Request & { principal?: AuthenticatedPrincipal }).principal;
}

export function setPrincipal(req: Request, principal: AuthenticatedPrincipal | undefined): void {
  (req as Request & { principal?: AuthenticatedPrincipal }).principal = principal;
}
