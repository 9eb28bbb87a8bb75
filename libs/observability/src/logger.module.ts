import { DynamicModule, Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { LoggerModule } from 'nestjs-pino';
import { CorrelationContext } from './correlation-context';

export interface RelayLoggerOptions {
  level: string;
  pretty?: boolean;
}

/**
 * JSON logs through nestjs-pino. Every line carries the correlation fields of the message in flight; HTTP requests
 * get theirs from an incoming `x-correlation-id` header or a new one. Secrets and message text are redacted.
 */
@Module({})
export class RelayLoggerModule {
  static forRoot(options: RelayLoggerOptions): DynamicModule {
    return {
      module: RelayLoggerModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: options.level,
            mixin: () => ({ ...CorrelationContext.current() }),
            genReqId: (req) => (req.headers['x-correlation-id'] as string | undefined) ?? randomUUID(),
            customProps: (req) => ({ correlationId: req.id }),
            redact: {
              paths: ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.text', '*.delta', 'token', 'text'],
              censor: '[redacted]',
            },
            autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') },
            quietReqLogger: true,
          },
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
