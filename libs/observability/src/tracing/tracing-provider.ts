import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { markTracingEnabled } from './spans';

/** The tracing part of the common config (libs/config): OTEL_* variables, validated at start-up. */
export interface TracingConfig {
  OTEL_EXPORTER_OTLP_ENDPOINT: string;
  OTEL_SERVICE_NAME: string;
  OTEL_TRACES_SAMPLER_ARG: number;
}

/** What main.ts keeps to flush the spans still buffered when the process stops. */
export interface TracingHandle {
  readonly enabled: boolean;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

const OFF: TracingHandle = { enabled: false, forceFlush: async () => undefined, shutdown: async () => undefined };

/**
 * Sets up OpenTelemetry tracing for this process, once, before the app is created. With no OTLP endpoint (and no
 * exporter given, as tests do) nothing is registered: every span helper then returns at once and nothing is sent.
 * Otherwise spans go in batches over OTLP/HTTP (JSON) to `<endpoint>/v1/traces`, under the service name
 * OTEL_SERVICE_NAME or `relay-<app>`; new traces are sampled at OTEL_TRACES_SAMPLER_ARG, continued ones follow
 * their parent. The exporter never throws into the app: a back end that is down costs dropped spans, not messages.
 */
export function startTracing(config: TracingConfig, app: string, options: { exporter?: SpanExporter } = {}): TracingHandle {
  const endpoint = withoutTrailingSlashes(config.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (!endpoint && !options.exporter) return OFF;

  // A test's in-memory exporter gets each span as it ends; a real back end gets batches.
  const spanProcessor = options.exporter
    ? new SimpleSpanProcessor({ exporter: options.exporter })
    : new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }), scheduledDelayMillis: 1000 });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.OTEL_SERVICE_NAME || `relay-${app}`, 'process.pid': process.pid }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.OTEL_TRACES_SAMPLER_ARG) }),
    spanProcessors: [spanProcessor],
  });
  // The active span follows async calls (AsyncLocalStorage), so a publish inside a handler knows its parent.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  markTracingEnabled(true);
  return {
    enabled: true,
    forceFlush: () => provider.forceFlush(),
    shutdown: async () => {
      markTracingEnabled(false);
      await provider.shutdown().catch(() => undefined);
    },
  };
}

/** The endpoint without trailing slashes; a loop, since /\/+$/ backtracks quadratically on a long run of slashes. */
function withoutTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url[end - 1] === '/') end--;
  return url.slice(0, end);
}
