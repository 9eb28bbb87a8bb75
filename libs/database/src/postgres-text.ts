/**
 * PostgreSQL's text and jsonb cannot hold the NUL character (U+0000); the file stores can. Every string a Postgres
 * adapter writes, or looks up by, goes through this, so a stray NUL in a message or an id is stored as U+FFFD
 * (the replacement character) instead of failing the write, and the same id finds the same row.
 */
export function withoutNul<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\u0000') ? value.replace(/\u0000/g, '\uFFFD') : value) as T;
  if (Array.isArray(value)) return value.map(withoutNul) as T;
  if (value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutNul(k), withoutNul(v)])) as T;
  }
  return value;
}

/** A value for a jsonb parameter (NUL-free), or null for undefined. */
export function jsonbParam(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(withoutNul(value));
}

/** SQLSTATE of a pg error, if it is one. */
export function sqlState(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}
