import { RelayError } from '@relay/contracts';
import { hasRole } from '../../auth/principal';
import type { DocumentsWritePolicy, DocumentsWriteRequest } from './documents-write-policy';

/**
 * With sign-in (AUTH_MODE local or oidc): changing documents needs a member or an admin (readers only chat). Which
 * collection they may write is checked per document by the documents controller (CollectionAccess). Cross-site
 * requests are stopped before this by the identity middleware (Origin, and the CSRF token of cookie sign-ins).
 */
export class SignedInRolePolicy implements DocumentsWritePolicy {
  authorize({ principal }: DocumentsWriteRequest): void {
    if (!principal) throw new RelayError('UNAUTHORIZED', 'Sign in first.');
    if (!hasRole(principal, 'member')) throw new RelayError('FORBIDDEN', 'Readers can chat but not change documents; ask an admin for the member role.', { reason: 'role-reader' });
  }
}
