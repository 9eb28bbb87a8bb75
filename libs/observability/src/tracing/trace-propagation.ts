import { context, Context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { tracingEnabled } from './spans';

const TRACEPARENT = 'traceparent';

/**
 * The W3C `traceparent` of the active span, for a record about to be published (its envelope and its header), or
 * undefined when tracing is off or nothing is being traced.
 */
export function activeTraceparent(): string | undefined {
  if (!tracingEnabled()) return undefined;
  // A trace sampled out is propagated too (flags 00): the next stages follow that decision instead of sampling
  // afresh, so a message's trace is whole or absent. The propagator writes nothing when no valid span is active.
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier[TRACEPARENT];
}

/**
 * The context a received record's handler runs in: its trace continues from the publisher's span. A missing or
 * malformed traceparent gives a fresh root context (a new trace), never an error: tracing must not cost a message.
 */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  if (!traceparent || !tracingEnabled()) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { [TRACEPARENT]: traceparent });
}

/** The trace and span ids of the active span for a log line, or nothing when no span is recording. */
export function activeTraceIds(): { traceId: string; spanId: string } | undefined {
  if (!tracingEnabled()) return undefined;
  const span = trace.getActiveSpan();
  if (!span || !span.isRecording()) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}
