import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { AUDIT_TRAIL, auditQuerySchema, type AuditTrail, InvalidAuditCursor } from '@relay/audit-trail';
import { RelayError } from '@relay/contracts';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { AccessAudit } from '../audit/access-audit';
import { Authenticator } from '../auth/authenticator';
import { hasRole, type Principal } from '../auth/principal';
import { principalOf } from '../auth/request-principal';
import { UserAccounts } from '../users/user-accounts';

const role = z.enum(['admin', 'member', 'reader']);
const groups = z.array(z.string().trim().min(1).max(200)).max(100);
const newUserSchema = z.object({ userId: z.string().min(1).max(64), password: z.string().min(1).max(1024), role, displayName: z.string().trim().min(1).max(200).optional(), groups: groups.optional() }).strict();
const changesSchema = z
  .object({ role: role.optional(), password: z.string().min(1).max(1024).optional(), displayName: z.string().trim().min(1).max(200).optional(), groups: groups.optional(), disabled: z.boolean().optional() })
  .strict();

/** The most audit entries one request reads (from the end of the trail). */
const MAX_AUDIT_ENTRIES = 1000;

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw new RelayError('INVALID_PAYLOAD', `Invalid payload: ${parsed.error.issues[0].path.join('.') || 'body'}: ${parsed.error.issues[0].message}`);
  return parsed.data;
}

/**
 * What only admins do: local accounts (AUTH_MODE=local; with oidc the provider keeps them) and reading the audit
 * trail. Collections and grants: /api/collections, where admins may do everything. Anyone else is refused with
 * FORBIDDEN (and the attempt is audited).
 */
@Controller('api/admin')
export class AdminController {
  constructor(
    private readonly accounts: UserAccounts,
    private readonly authenticator: Authenticator,
    private readonly audit: AccessAudit,
    @Inject(AUDIT_TRAIL) private readonly trail: AuditTrail,
  ) {}

  @Get('users')
  async users(@Req() req: Request) {
    this.admin(req, { localAccounts: true });
    return { users: await this.accounts.list() };
  }

  @Post('users')
  @HttpCode(201)
  async createUser(@Req() req: Request, @Body() body: unknown) {
    const admin = this.admin(req, { localAccounts: true });
    const user = await this.accounts.create(parse(newUserSchema, body));
    this.audit.record({ event: 'user-created', outcome: 'allowed', userId: admin.userId, target: `${user.userId} ${user.role}` });
    return { user };
  }

  /** Changes an account; a new password or disabling it ends every sign-in of that user at once. */
  @Patch('users/:userId')
  async updateUser(@Req() req: Request, @Param('userId') userId: string, @Body() body: unknown) {
    const admin = this.admin(req, { localAccounts: true });
    const changes = parse(changesSchema, body);
    const { user, endSignIns } = await this.accounts.update(userId, changes);
    if (endSignIns) await this.authenticator.signOutEverywhere(userId);
    this.audit.record({ event: 'user-changed', outcome: 'allowed', userId: admin.userId, target: `${userId} ${Object.keys(changes).join(',')}` });
    return { user };
  }

  @Delete('users/:userId')
  async deleteUser(@Req() req: Request, @Param('userId') userId: string) {
    const admin = this.admin(req, { localAccounts: true });
    await this.accounts.delete(userId);
    await this.authenticator.signOutEverywhere(userId);
    this.audit.record({ event: 'user-deleted', outcome: 'allowed', userId: admin.userId, target: userId });
    return { userId, status: 'deleted' };
  }

  /**
   * The audit trail (with STORE=postgres the one every replica shares, so any gateway answers the same). Only
   * `?limit=`: the newest entries, newest last (at most 1000). Any filter (`user`, `session`, `outcome`, `kind`,
   * `from`, `to`), `cursor`, `offset` or `format`: the matching entries oldest first, a page of `limit`, as
   * `{ entries, nextCursor, nextOffset }` (pass nextCursor as `cursor` for the next page: it stays put while new
   * entries arrive) or, with `format=jsonl`, as JSON lines (application/x-ndjson) for export.
   */
  @Get('audit')
  async auditTrail(@Req() req: Request, @Res({ passthrough: true }) res: Response, @Query() params: Record<string, string>) {
    this.admin(req);
    if (Object.keys(params).every((key) => key === 'limit')) {
      const n = Math.min(MAX_AUDIT_ENTRIES, Math.max(1, Number.parseInt(params.limit ?? '100', 10) || 100));
      return { entries: await this.trail.tail(n) };
    }
    const query = parse(auditQuerySchema, params);
    let page;
    try {
      page = await this.trail.query(query);
    } catch (err) {
      if (err instanceof InvalidAuditCursor) throw new RelayError('INVALID_PAYLOAD', `Invalid payload: ${err.message}`);
      throw err;
    }
    if (query.format === 'jsonl') {
      res.type('application/x-ndjson');
      return page.entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
    }
    return { entries: page.entries, nextCursor: page.nextCursor, nextOffset: page.nextCursor && !query.cursor ? query.offset + page.entries.length : null };
  }

  private admin(req: Request, options: { localAccounts?: boolean } = {}): Principal {
    const principal = principalOf(req);
    if (!principal) throw new RelayError('FORBIDDEN', 'The admin API needs sign-in (AUTH_MODE local or oidc).', { reason: 'no-sign-in-mode' });
    if (!hasRole(principal, 'admin')) throw new RelayError('FORBIDDEN', 'Only admins may do this.', { reason: `role-${principal.role}` });
    if (options.localAccounts && this.authenticator.mode !== 'local') throw new RelayError('NOT_FOUND', 'Accounts are kept by the OpenID provider (AUTH_MODE=oidc), not by Relay.');
    return principal;
  }
}
