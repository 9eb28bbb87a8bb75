import { z } from 'zod';
import { enumVar, intVar, numberVar, optionalStringVar, optionalUrlVar, stringVar } from './env-vars';

/** Variables every app reads: where state lives, logging, and the transport. */
export const commonConfigSchema = z.object({
  DATA_DIR: stringVar('./data'),
  MODELS_DIR: stringVar('./models'),
  LOG_LEVEL: enumVar(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
  TRANSPORT: enumVar(['in-process', 'kafka'] as const, 'in-process'),
  TRANSPORT_PARTITIONS: intVar(8, 1, 1024),
  TRANSPORT_QUEUE_CAPACITY: intVar(256, 1, 1_000_000),
  /** Records of different sessions one stage handles at once in a process; one session's records stay one at a time, in order. */
  TRANSPORT_CONCURRENCY: intVar(64, 1, 10_000),
  TRANSPORT_MAX_ATTEMPTS: intVar(3, 1, 100),
  TRANSPORT_RETRY_BASE_MS: intVar(100, 0, 60_000),
  /** OTLP/HTTP base URL traces are exported to (`/v1/traces` is appended); empty: no tracing at all. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrlVar(),
  /** The service name spans carry; empty: `relay-<app>` (relay-gateway, relay-pipeline, relay-llm-worker, relay). */
  OTEL_SERVICE_NAME: optionalStringVar(),
  /** Share of new traces kept (0–1); a trace started elsewhere follows its parent's decision. */
  OTEL_TRACES_SAMPLER_ARG: numberVar(1, 0, 1),
});
export type CommonConfig = z.infer<typeof commonConfigSchema>;

/**
 * Where an app's HTTP server (the gateway's API, every app's health endpoints) listens. Localhost unless HOST says
 * otherwise: reaching Relay from other machines is a decision (containers set HOST=0.0.0.0 themselves).
 */
export const httpConfigSchema = z.object({
  PORT: intVar(3000, 1, 65_535),
  HOST: stringVar('127.0.0.1'),
});
export type HttpConfig = z.infer<typeof httpConfigSchema>;
