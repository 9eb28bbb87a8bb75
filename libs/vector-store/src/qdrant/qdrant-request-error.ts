/**
 * A failed call to Qdrant, named by the operation Relay was doing, with Qdrant's own reason: the `status.error` of
 * its error body (`{ status: { error } }`), the HTTP status, or the network error when the server was unreachable.
 */
export class QdrantRequestError extends Error {
  override readonly name = 'QdrantRequestError';

  constructor(
    readonly operation: string,
    readonly reason: string,
    /** HTTP status of Qdrant's answer; absent when there was none (unreachable, timed out). */
    readonly status?: number,
  ) {
    super(`Qdrant ${operation} failed: ${reason}`);
  }

  /** No answer at all: the server is down or unreachable, rather than refusing the request. */
  get unreachable(): boolean {
    return this.status === undefined;
  }

  static from(operation: string, err: unknown): QdrantRequestError {
    if (err instanceof QdrantRequestError) return err;
    const e = err as { status?: unknown; statusText?: unknown; data?: unknown; message?: unknown; name?: unknown; cause?: unknown };
    // The client's ApiError (openapi-typescript-fetch) carries the status and the parsed body.
    if (typeof e?.status === 'number') {
      const body = e.data as { status?: { error?: unknown } | string } | undefined;
      const detail = typeof body?.status === 'object' && typeof body.status?.error === 'string' ? body.status.error : typeof body === 'string' && body ? body : String(e.statusText ?? '');
      return new QdrantRequestError(operation, `HTTP ${e.status}${detail ? `: ${detail}` : ''}`, e.status);
    }
    // The client's own "Unexpected Response: 404 (Not Found)\nRaw response content: ...".
    const unexpected = typeof e?.message === 'string' ? /^Unexpected Response: (\d{3})/.exec(e.message) : null;
    if (unexpected) {
      const error = /"error":\s*"((?:[^"\\]|\\.)*)"/.exec(String(e.message))?.[1];
      return new QdrantRequestError(operation, `HTTP ${unexpected[1]}${error ? `: ${error}` : ''}`, Number(unexpected[1]));
    }
    if (e?.name === 'QdrantClientTimeoutError') return new QdrantRequestError(operation, `timed out (${String(e.message)})`);
    // fetch's TypeError('fetch failed') hides the reason (ECONNREFUSED, ENOTFOUND, ...) in its cause.
    const cause = e?.cause as { code?: unknown; message?: unknown } | undefined;
    const reason = cause?.code ? `${String(e.message)} (${String(cause.code)})` : cause?.message ? `${String(e.message)} (${String(cause.message)})` : String(e?.message ?? err);
    return new QdrantRequestError(operation, `unreachable: ${reason}`);
  }
}
