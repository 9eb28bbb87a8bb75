import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError } from '@relay/config';
import { startTracing, TracingConfig } from '@relay/observability';
import { RelayTransport, RpcErrorsPassthroughFilter } from '@relay/transport';
import { Logger } from 'nestjs-pino';
import { securityHeaders } from './security-headers';

/** Runs `load`; on a ConfigError prints which variables are wrong and why, and exits 1 before anything starts. */
export function loadConfigOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\nSee .env.example for every variable and its default.\n`);
    process.exit(1);
  }
}

const TRACING_OFF: TracingConfig = { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_SERVICE_NAME: '', OTEL_TRACES_SAMPLER_ARG: 1 };

/** Longest a graceful shutdown may take before the process exits anyway (Compose's stop_grace_period is 30 s). */
const SHUTDOWN_DEADLINE_MS = 25_000;

/**
 * Starts one Relay process: its HTTP server (API and/or health endpoints), its transport server (the message
 * handlers), and a graceful shutdown on SIGTERM/SIGINT.
 */
export async function startApp(options: {
  name: string;
  module: DynamicModule;
  transport: RelayTransport;
  port: number;
  host: string;
  /** The OTEL_* variables: traces are exported when OTEL_EXPORTER_OTLP_ENDPOINT is set (absent: no tracing). */
  tracing?: TracingConfig;
}): Promise<INestApplication> {
  // Before the app exists, so the first message handled is already traced.
  const tracing = startTracing(options.tracing ?? TRACING_OFF, options.name);
  // CPU, memory, event-loop lag and GC of this process beside the app's own metrics, on its GET /metrics.
  options.transport.metrics.registry.collectProcessMetrics();
  const app = await NestFactory.create(options.module, { bufferLogs: true });
  const logger = app.get(Logger);
  app.useLogger(logger);
  // Every app's HTTP port (the gateway's API and page, every app's health endpoints) sends the security headers.
  app.use(securityHeaders());
  // Order matters. init() builds the HTTP routes with the app's own filters (the gateway's REST error mapping) and
  // loads the models; the catch-all RPC filter is added after, so HTTP errors never reach it, and before
  // connectMicroservice, which builds the message handlers with the filters present then: their errors reach the
  // transport as thrown (retries, dead letters with the reason).
  await app.init();
  app.useGlobalFilters(new RpcErrorsPassthroughFilter(app.getHttpAdapter()));
  const microservice = app.connectMicroservice({ strategy: options.transport.server }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(options.port, options.host);
  logger.log({ msg: `${options.name} listening`, url: `http://localhost:${options.port}`, transport: options.transport.kind, tracing: tracing.enabled });

  // Not Nest's enableShutdownHooks: it runs onModuleDestroy (which frees the models) before it closes the transport,
  // so the messages in flight would fail. The transport goes first: it stops fetching, lets the handlers in flight
  // finish with the models still loaded, commits them and leaves its Kafka groups; what it did not start stays
  // uncommitted and goes to another replica. Then the rest of the app closes.
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log({ msg: `${options.name} shutting down`, signal });
    setTimeout(() => {
      logger.error({ msg: `${options.name} did not stop within ${SHUTDOWN_DEADLINE_MS} ms; exiting` });
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    void (async () => {
      await microservice.close();
      await app.close();
      // The spans of the last messages, still batched, go out before the process ends.
      await tracing.shutdown();
      process.exit(process.exitCode ?? 0);
    })().catch((err: Error) => {
      logger.error({ msg: 'shutdown failed', err: err.message });
      process.exit(1);
    });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  return app;
}
