import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger, Optional } from '@nestjs/common';
import { ErrorCode, RelayError } from '@relay/contracts';
import type { Request, Response } from 'express';
import { AccessAudit } from '../audit/access-audit';
import { principalOf } from '../auth/request-principal';
import { AUDITED_REFUSALS } from '../chat/socket-errors';
import { markRefusal } from './refusal-count';
import { Observable, throwError } from 'rxjs';

const STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_PAYLOAD: 400,
  EMPTY_MESSAGE: 400,
  MESSAGE_TOO_LONG: 413,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  CROSS_SITE_REQUEST: 403,
  HOST_NOT_ALLOWED: 421,
  NOT_FOUND: 404,
  UNKNOWN_SESSION: 404,
  UNKNOWN_MESSAGE: 404,
  RATE_LIMITED: 429,
  BUSY: 503,
  UNSUPPORTED_DOCUMENT: 415,
  DOCUMENT_TOO_LARGE: 413,
  EMPTY_DOCUMENT: 422,
  CORRUPT_DOCUMENT: 422,
  INDEXING_FAILED: 502,
};

/** Answers a RelayError as `{ error: { code, message } }` with its status, and Retry-After when it says when to retry. */
export function writeRelayError(res: Response, err: RelayError): void {
  const retryAfterMs = err.details.retryAfterMs;
  if (typeof retryAfterMs === 'number') res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  const body: { code: ErrorCode; message: string; retryAfterMs?: number } = { code: err.code, message: err.message };
  markRefusal(res, err.code);
  if (typeof retryAfterMs === 'number') body.retryAfterMs = retryAfterMs;
  res.status(STATUS[err.code] ?? 500).json({ error: body });
}

/** The REST edge's one place for errors: every failure answers `{ error: { code, message } }` with a fitting status. */
@Catch()
export class RelayExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  constructor(@Optional() private readonly audit?: AccessAudit) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    // Registered app-wide, so it also sees message handlers' errors: those belong to the transport (retry, dead letter).
    if (host.getType() !== 'http') return throwError(() => exception);
    const res = host.switchToHttp().getResponse<Response>();
    if (exception instanceof RelayError) {
      // Refusals of who may do what go to the audit trail: who tried, what, and why it was refused.
      if (this.audit && AUDITED_REFUSALS.has(exception.code)) {
        const req = host.switchToHttp().getRequest<Request>();
        this.audit.record({
          event: 'request',
          outcome: 'refused',
          code: exception.code,
          reason: String(exception.details.reason ?? exception.message),
          userId: principalOf(req)?.userId,
          client: req.socket?.remoteAddress,
          target: `${req.method} ${req.originalUrl.split('?')[0]}`,
        });
      }
      return writeRelayError(res, exception);
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code: ErrorCode = status === 404 ? 'NOT_FOUND' : status < 500 ? 'INVALID_PAYLOAD' : 'INTERNAL';
      // Terminus reports readiness through a 503 HttpException whose body is the report itself.
      const body = exception.getResponse();
      if (typeof body === 'object' && body !== null && 'status' in body && 'details' in body) {
        res.status(status).json(body);
        return;
      }
      markRefusal(res, code);
      res.status(status).json({ error: { code, message: exception.message } });
      return;
    }
    this.logger.error({ msg: 'unexpected error', err: (exception as Error)?.stack ?? String(exception) });
    markRefusal(res, 'INTERNAL');
    res.status(500).json({ error: { code: 'INTERNAL', message: 'Something went wrong on our side.' } });
  }
}
