const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A correlation id a client sent (the `x-correlation-id` header), kept only when it is a UUID: anything else (a
 * megabyte of text, markup, a forged log line) would go into every log line and envelope of that request.
 */
export function correlationIdFrom(header: unknown): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return typeof value === 'string' && value.length === 36 && UUID.test(value) ? value.toLowerCase() : undefined;
}
