/** A REST or socket error as the gateway reports it: `{ error: { code, message } }` (docs/protocol.md). */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 0,
  ) {
    super(message);
  }
}

/** Reads a JSON answer, turning a non-2xx into an ApiError with the server's code and words. */
export async function readJson<T>(response: Response): Promise<T> {
  const body = (await response.json().catch(() => null)) as (T & { error?: { code?: string; message?: string } }) | null;
  if (response.ok && body) return body;
  throw new ApiError(body?.error?.code ?? 'HTTP_' + response.status, body?.error?.message ?? `The server answered ${response.status}.`, response.status);
}

/** fetch, with a network failure said in plain words. */
export async function request(input: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(input, init);
  } catch {
    throw new ApiError('NETWORK', 'Relay cannot be reached. Check your connection; the page retries when you try again.');
  }
}
