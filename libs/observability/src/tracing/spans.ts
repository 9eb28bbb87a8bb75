import { Attributes, context, Context, Span, SpanKind, SpanStatusCode, trace, Tracer } from '@opentelemetry/api';

/**
 * The attributes Relay's spans carry (docs/operations.md, "Traces"). Messaging and GenAI names follow the
 * OpenTelemetry semantic conventions; the rest are Relay's own, under `relay.`.
 */
export const SPAN_ATTRIBUTES = {
  stage: 'relay.stage',
  correlationId: 'relay.correlation_id',
  messageId: 'relay.message_id',
  sessionId: 'relay.session_id',
  documentId: 'relay.document_id',
  /** ok, error, dead_lettered, expired, cancelled. */
  outcome: 'relay.outcome',
  errorCode: 'relay.error_code',
  attempts: 'relay.attempts',
  chunksRetrieved: 'relay.chunks_retrieved',
  chunksIndexed: 'relay.chunks_indexed',
  chunksDelivered: 'relay.chunks_delivered',
  moderation: 'relay.moderation',
  finishReason: 'gen_ai.response.finish_reasons',
  topic: 'messaging.destination.name',
  messagingSystem: 'messaging.system',
  model: 'gen_ai.request.model',
  promptTokens: 'gen_ai.usage.input_tokens',
  generatedTokens: 'gen_ai.usage.output_tokens',
} as const;

export type SpanOutcome = 'ok' | 'error' | 'dead_lettered' | 'expired' | 'cancelled';

let enabled = false;

/** Set by startTracing: while false, every helper here returns at once (tracing off costs a branch). */
export function markTracingEnabled(on: boolean): void {
  enabled = on;
}

export function tracingEnabled(): boolean {
  return enabled;
}

function tracer(): Tracer {
  return trace.getTracer('relay');
}

/**
 * Runs `fn` inside a new span (the active one while `fn` runs, so what it publishes carries it), child of `parent`
 * or of the active span. The span ends when `fn` settles; a throw marks it as an error and is rethrown unchanged.
 * Tracing off: `fn` runs with no span.
 */
export async function withSpan<T>(
  name: string,
  options: { attributes?: Attributes; parent?: Context; kind?: SpanKind; startTime?: number },
  fn: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!enabled) return fn(undefined);
  const parent = options.parent ?? context.active();
  // `ok` unless the work says otherwise (setSpanOutcome) or throws.
  const attributes = { [SPAN_ATTRIBUTES.outcome]: 'ok', ...options.attributes };
  const span = tracer().startSpan(name, { attributes, kind: options.kind ?? SpanKind.INTERNAL, startTime: options.startTime }, parent);
  try {
    const result = await context.with(trace.setSpan(parent, span), () => fn(span));
    span.end();
    return result;
  } catch (err) {
    endWithError(span, err);
    throw err;
  }
}

/**
 * A span already over, recorded after the fact (e.g. the gateway's delivery of an answer, from its first chunk to
 * its done). Tracing off: nothing.
 */
export function recordSpan(name: string, options: { attributes?: Attributes; parent?: Context; startTime: number; endTime?: number }): void {
  if (!enabled) return;
  const attributes = { [SPAN_ATTRIBUTES.outcome]: 'ok', ...options.attributes };
  tracer().startSpan(name, { attributes, startTime: options.startTime }, options.parent ?? context.active()).end(options.endTime);
}

/** Adds attributes to the active span (a stage's model, token counts, chunks retrieved). Tracing off: nothing. */
export function setSpanAttributes(attributes: Attributes): void {
  if (!enabled) return;
  trace.getActiveSpan()?.setAttributes(attributes);
}

/** Marks the active span's outcome, e.g. `expired` when a stage skips a message past its deadline. */
export function setSpanOutcome(outcome: SpanOutcome, errorCode?: string): void {
  if (!enabled) return;
  const span = trace.getActiveSpan();
  if (!span) return;
  span.setAttribute(SPAN_ATTRIBUTES.outcome, outcome);
  if (errorCode) span.setAttribute(SPAN_ATTRIBUTES.errorCode, errorCode);
  if (outcome === 'error' || outcome === 'dead_lettered') span.setStatus({ code: SpanStatusCode.ERROR, message: errorCode });
}

function endWithError(span: Span, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  span.setAttribute(SPAN_ATTRIBUTES.outcome, 'error');
  // Relay's typed errors carry a code from libs/contracts (BUSY, RATE_LIMITED, …).
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') span.setAttribute(SPAN_ATTRIBUTES.errorCode, code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: message.slice(0, 300) });
  if (err instanceof Error) span.recordException(err);
  span.end();
}
