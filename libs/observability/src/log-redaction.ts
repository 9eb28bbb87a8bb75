/**
 * Keys whose values never reach the log, at any depth: message and document text (`text`, `delta`, `content`,
 * `snippet`, `history`), and credentials (anything ending in token, secret, password, api key, authorization, cookie).
 * pino's own `redact` matches fixed paths only (`*.text` reaches one level), so Relay walks each log object itself.
 */
const SENSITIVE_KEY = /(token|secret|password|api[-_]?key|authorization|cookie)$|^(text|delta|content|snippet|history|value)$/i;

export const REDACTED = '[redacted]';

/** Past this depth or number of values the rest is cut: a log line is no place for a whole payload. */
const MAX_DEPTH = 8;
const MAX_VALUES = 2000;

/**
 * A copy of a log object with sensitive keys censored at every depth. Iterative (an explicit stack), bounded in depth
 * and size, so a deep or huge object in a log call costs little and cannot overflow the stack.
 */
export function redactLogObject(input: Record<string, unknown>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  const stack: Array<{ from: Record<string, unknown> | unknown[]; to: Record<string, unknown> | unknown[]; depth: number }> = [{ from: input, to: root, depth: 0 }];
  let values = 0;
  while (stack.length) {
    const { from, to, depth } = stack.pop()!;
    for (const [key, value] of Object.entries(from)) {
      if (++values > MAX_VALUES) {
        (to as Record<string, unknown>)[key] = '[truncated]';
        continue;
      }
      const put = (v: unknown) => (Array.isArray(to) ? (to[Number(key)] = v) : (to[key] = v));
      if (!Array.isArray(from) && SENSITIVE_KEY.test(key) && value !== undefined && value !== null && typeof value !== 'number' && typeof value !== 'boolean') {
        put(REDACTED);
      } else if (value !== null && typeof value === 'object' && (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype)) {
        if (depth + 1 >= MAX_DEPTH) {
          put('[truncated]');
          continue;
        }
        const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
        put(copy);
        stack.push({ from: value as Record<string, unknown> | unknown[], to: copy, depth: depth + 1 });
      } else {
        put(value);
      }
    }
  }
  return root;
}
