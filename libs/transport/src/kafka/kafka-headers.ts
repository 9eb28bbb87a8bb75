import type { IHeaders } from 'kafkajs';

/** A Kafka record's headers as strings (the first value of a repeated header). */
export function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) out[k] = Array.isArray(v) ? String(v[0]) : v.toString();
  return out;
}
