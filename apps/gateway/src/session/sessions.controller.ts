import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { RateLimits } from '../rate-limit/rate-limits';
import { CorrelationContext } from '@relay/observability';
import { randomUUID } from 'node:crypto';
import { ANONYMOUS_USER_ID, HistoryMessage, RelayError } from '@relay/contracts';
import type { SessionSummary } from '@relay/session-store';
import { z } from 'zod';
import { Authenticator } from '../auth/authenticator';
import { principalOf } from '../auth/request-principal';
import { SessionManager } from './session-manager';

const createSessionSchema = z.object({ userId: z.string().trim().min(1).max(200).optional() }).strict();
const renameSchema = z.object({ title: z.string().trim().min(1).max(200) }).strict();

/**
 * REST side of sessions (chats): create one, list the signed-in user's, read one's messages, rename, delete.
 * Without sign-in a chat is opened by its bearer token; with sign-in by its owner's sign-in, and another user's chat
 * is answered exactly like one that does not exist (404 UNKNOWN_SESSION).
 */
@Controller('api/sessions')
export class SessionsController {
  constructor(
    private readonly sessions: SessionManager,
    private readonly limits: RateLimits,
    private readonly authenticator: Authenticator,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Body() body: unknown, @Req() req: Request): Promise<{ sessionId: string; token?: string; createdAt: string }> {
    // Every session is a file and a cache entry: their creation is limited per client address.
    this.limits.sessionCreate(this.limits.clientOf(req.socket.remoteAddress, req.headers['x-forwarded-for']));
    const parsed = createSessionSchema.safeParse(body ?? {});
    if (!parsed.success) throw new RelayError('INVALID_PAYLOAD', `Invalid payload: ${parsed.error.issues[0].message}`);
    const principal = principalOf(req);
    if (!principal) return this.sessions.createSession(parsed.data.userId ?? ANONYMOUS_USER_ID);
    // With sign-in, a chat belongs to whoever is signed in: the label cannot name anyone else.
    if (parsed.data.userId !== undefined && parsed.data.userId !== principal.userId) throw new RelayError('INVALID_PAYLOAD', 'userId is the signed-in user’s; leave it out.');
    return this.sessions.createSession(principal.userId, { owner: 'user' });
  }

  /** The signed-in user's chats, on any device, most recently used first. */
  @Get()
  async list(@Req() req: Request): Promise<{ sessions: SessionSummary[] }> {
    const principal = principalOf(req);
    if (!principal) throw new RelayError('NOT_FOUND', 'Without sign-in (AUTH_MODE=anonymous) the server keeps no list of chats: each browser keeps its own.');
    return { sessions: await this.sessions.list(principal.userId) };
  }

  @Get(':sessionId/messages')
  async messages(@Param('sessionId') sessionId: string, @Req() req: Request, @Headers('authorization') authorization?: string): Promise<{ messages: HistoryMessage[] }> {
    await this.authorized(req, sessionId, authorization);
    return { messages: await this.sessions.history(sessionId) };
  }

  @Patch(':sessionId')
  async rename(@Param('sessionId') sessionId: string, @Body() body: unknown, @Req() req: Request, @Headers('authorization') authorization?: string) {
    await this.authorized(req, sessionId, authorization);
    const parsed = renameSchema.safeParse(body ?? {});
    if (!parsed.success) throw new RelayError('INVALID_PAYLOAD', `Invalid payload: ${parsed.error.issues[0].path.join('.') || 'body'}: ${parsed.error.issues[0].message}`);
    await this.sessions.rename(sessionId, parsed.data.title);
    return { sessionId, title: parsed.data.title };
  }

  /** Deletes the session and its history (the web client's "delete chat"); its token stops working. */
  @Delete(':sessionId')
  async remove(@Param('sessionId') sessionId: string, @Req() req: Request, @Headers('authorization') authorization?: string): Promise<{ sessionId: string; status: 'deleted' }> {
    await this.authorized(req, sessionId, authorization);
    await this.sessions.deleteSession(sessionId, CorrelationContext.current()?.correlationId ?? randomUUID());
    return { sessionId, status: 'deleted' };
  }

  private async authorized(req: Request, sessionId: string, authorization: string | undefined): Promise<void> {
    if (this.authenticator.signInRequired) {
      // The identity middleware has refused requests without a principal already.
      await this.sessions.authorizeUser(principalOf(req)!.userId, sessionId);
      return;
    }
    const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    await this.sessions.authorize(this.sessions.authenticate(token), sessionId);
  }
}
