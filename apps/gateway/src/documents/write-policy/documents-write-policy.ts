import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../../auth/principal';

/** What a write policy sees of a request that would change the knowledge base. */
export interface DocumentsWriteRequest {
  method: string;
  headers: IncomingHttpHeaders;
  /** Who is signed in (AUTH_MODE local or oidc). */
  principal?: Principal;
}

/**
 * Decides whether a request may upload, replace or delete documents; throws a RelayError saying why not. One class
 * behind this port, chosen in the gateway module, so sign-in and roles (a later issue) replace it in one place.
 */
export interface DocumentsWritePolicy {
  authorize(request: DocumentsWriteRequest): void;
}

export const DOCUMENTS_WRITE_POLICY = Symbol('DOCUMENTS_WRITE_POLICY');
