import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { RateLimits } from '../rate-limit/rate-limits';
import { CorrelationContext } from '@relay/observability';
import { randomUUID } from 'node:crypto';
import { ANONYMOUS_USER_ID, HistoryMessage, RelayError } from '@relay/contracts';
import { z } from 'zod';
import { SessionManager } from './session-manager';

const createSessionSchema = z.object({ userId: z.string().trim().min(1).max(200).optional() }).strict();

/** REST side of sessions: create one (with its token) and read its messages. */
@Controller('api/sessions')
export class SessionsController {
  constructor(
    private readonly sessions: SessionManager,
    private readonly limits: RateLimits,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Body() body: unknown, @Req() req: Request): Promise<{ sessionId: string; token: string }> {
    // Every session is a file and a cache entry: their creation is limited per client address.
    this.limits.sessionCreate(this.limits.clientOf(req.socket.remoteAddress, req.headers['x-forwarded-for']));
    const parsed = createSessionSchema.safeParse(body ?? {});
    if (!parsed.success) throw new RelayError('INVALID_PAYLOAD', `Invalid payload: ${parsed.error.issues[0].message}`);
    return this.sessions.createSession(parsed.data.userId ?? ANONYMOUS_USER_ID);
  }

  @Get(':sessionId/messages')
  async messages(@Param('sessionId') sessionId: string, @Headers('authorization') authorization?: string): Promise<{ messages: HistoryMessage[] }> {
    await this.authorized(sessionId, authorization);
    return { messages: await this.sessions.history(sessionId) };
  }

  /** Deletes the session and its history (the web client's "delete chat"); its token stops working. */
  @Delete(':sessionId')
  async remove(@Param('sessionId') sessionId: string, @Headers('authorization') authorization?: string): Promise<{ sessionId: string; status: 'deleted' }> {
    await this.authorized(sessionId, authorization);
    await this.sessions.deleteSession(sessionId, CorrelationContext.current()?.correlationId ?? randomUUID());
    return { sessionId, status: 'deleted' };
  }

  private async authorized(sessionId: string, authorization: string | undefined): Promise<void> {
    const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    await this.sessions.authorize(this.sessions.authenticate(token), sessionId);
  }
}
