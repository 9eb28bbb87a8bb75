import { trace } from '@opentelemetry/api';
import { activeTraceIds, activeTraceparent, contextFromTraceparent } from './trace-propagation';
import { setSpanOutcome, tracingEnabled, withSpan } from './spans';
import { startTracing } from './tracing-provider';

// This file never turns tracing on: it is what every process gets without OTEL_EXPORTER_OTLP_ENDPOINT.
describe('tracing with no OTLP endpoint', () => {
  const handle = startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_SERVICE_NAME: '', OTEL_TRACES_SAMPLER_ARG: 1 }, 'gateway');

  it('registers nothing: no provider, no exporter, the helpers run the work without a span', async () => {
    expect(handle.enabled).toBe(false);
    expect(tracingEnabled()).toBe(false);
    // No global provider was set: the API hands out its no-op tracer.
    expect(trace.getTracer('relay').startSpan('x').isRecording()).toBe(false);
    const seen = await withSpan('chat:send', {}, async (span) => {
      setSpanOutcome('error', 'BUSY');
      return { span, traceparent: activeTraceparent(), ids: activeTraceIds() };
    });
    expect(seen).toEqual({ span: undefined, traceparent: undefined, ids: undefined });
    await expect(handle.shutdown()).resolves.toBeUndefined();
  });

  it('still runs work that throws, and rethrows it unchanged', async () => {
    const err = new Error('boom');
    await expect(withSpan('x', {}, async () => Promise.reject(err))).rejects.toBe(err);
  });

  it('reads an incoming traceparent as nothing (a new trace), never as an error', () => {
    expect(() => contextFromTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).not.toThrow();
    expect(trace.getSpanContext(contextFromTraceparent('garbage'))).toBeUndefined();
  });
});
