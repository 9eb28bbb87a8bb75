import { ArgumentsHost, Catch } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { Observable, throwError } from 'rxjs';

/**
 * Lets a message handler's error reach the RecordDispatcher as it was thrown. Without it Nest's default RPC filter
 * replaces every error with `{ status: 'error', message: 'Internal server error' }`, and dead letters would carry
 * that instead of their reason. HTTP errors go to Nest's default handling (an app's own APP_FILTER, like the
 * gateway's, comes first). Register it with `app.useGlobalFilters(...)` before `connectMicroservice`, which is when
 * Nest builds the message handlers.
 */
@Catch()
export class RpcErrorsPassthroughFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() === 'rpc') return throwError(() => exception);
    return super.catch(exception, host);
  }
}
