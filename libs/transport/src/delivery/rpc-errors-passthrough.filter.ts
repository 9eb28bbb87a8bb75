import { ArgumentsHost, Catch } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { Observable, throwError } from 'rxjs';

/**
 * Lets a message handler's error reach the RecordDispatcher as it was thrown. Without it Nest's default RPC filter
 * replaces every error with `{ status: 'error', message: 'Internal server error' }`, and dead letters would carry
 * that instead of their reason. Register it with `app.useGlobalFilters(...)` after `app.init()` (which builds the
 * HTTP routes: registered earlier, it would catch HTTP errors before the app's own APP_FILTER, the gateway's REST
 * error mapping, and answer them 500) and before `connectMicroservice` (which builds the message handlers).
 */
@Catch()
export class RpcErrorsPassthroughFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() === 'rpc') return throwError(() => exception);
    return super.catch(exception, host);
  }
}
