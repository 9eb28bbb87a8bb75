import { DynamicModule, Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import { CorrelationContext } from './correlation-context';
import { correlationIdFrom } from './correlation-id';
import { redactLogObject } from './log-redaction';
import { activeTraceIds } from './tracing/trace-propagation';

export interface RelayLoggerOptions {
  level: string;
  pretty?: boolean;
  /** Where log lines go; stdout when unset (tests capture them here). */
  destination?: DestinationStream;
}

/**
 * JSON logs through nestjs-pino. Every line carries the correlation fields of the message in flight (and, when
 * tracing is on, its traceId and spanId); HTTP requests
 * get theirs from an incoming `x-correlation-id` header when it is a UUID, else a new one. Secrets and message text
 * are redacted at any depth (log-redaction.ts); a request is logged by its method, path and id, not its headers.
 */
@Module({})
export class RelayLoggerModule {
  static forRoot(options: RelayLoggerOptions): DynamicModule {
    const pinoOptions: Options = {
      level: options.level,
      // The trace id beside the correlation id: a grep for one gives the other (docs/operations.md, "Traces").
      mixin: () => ({ ...CorrelationContext.current(), ...activeTraceIds() }),
      formatters: { log: redactLogObject },
      genReqId: (req) => correlationIdFrom(req.headers['x-correlation-id']) ?? randomUUID(),
      customProps: (req) => ({ correlationId: req.id }),
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: String(req.url).slice(0, 300) }),
      },
      autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') },
      quietReqLogger: true,
    };
    return {
      module: RelayLoggerModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: options.destination ? [pinoOptions, options.destination] : pinoOptions,
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
