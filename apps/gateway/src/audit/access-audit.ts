import { Inject, Injectable } from '@nestjs/common';
import { AUDIT_TRAIL, type AuditTrail } from '@relay/audit-trail';
import type { AuditRecord } from '@relay/observability';

export type AccessEntry = Omit<Extract<AuditRecord, { kind: 'access' }>, 'kind'>;

/**
 * The access side of the audit trail: every sign-in and sign-out, every refused credential or request (with the code
 * it was answered with and why), and every change an administrator or a collection's owner makes.
 */
@Injectable()
export class AccessAudit {
  constructor(@Inject(AUDIT_TRAIL) private readonly audit: AuditTrail) {}

  record(entry: AccessEntry): void {
    const clean = Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined)) as AccessEntry;
    this.audit.record({ kind: 'access', ...clean, ...(clean.target ? { target: clean.target.slice(0, 300) } : {}), ...(clean.reason ? { reason: clean.reason.slice(0, 300) } : {}) });
  }
}
