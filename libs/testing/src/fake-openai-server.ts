import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** Answers one request; `body` is the parsed JSON request body (undefined for a GET). */
export type FakeRoute = (res: ServerResponse, body: any, req: IncomingMessage) => void | Promise<void>;

/**
 * A tiny OpenAI-compatible server on 127.0.0.1 for the openai-compatible adapters' unit tests: GET /v1/models lists
 * `models`; POST /v1/chat/completions and /v1/embeddings run whatever route the test sets. Every request is
 * recorded. Helpers write the streaming format byte for byte, so a test controls exactly how frames are split.
 */
export class FakeOpenAiServer {
  readonly requests: RecordedRequest[] = [];
  models = ['fake-model'];
  routes: Record<string, FakeRoute> = {};
  /** Requests whose client went away before the answer ended (an aborted stream). */
  closedEarly = 0;

  private constructor(private readonly server: Server) {}

  /** On `port`, or on a free one. */
  static async start(port = 0): Promise<FakeOpenAiServer> {
    const server = createServer();
    const fake = new FakeOpenAiServer(server);
    server.on('request', (req, res) => void fake.handle(req, res));
    await new Promise<void>((ok, fail) => server.once('error', fail).listen(port, '127.0.0.1', ok));
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const piece of req) raw += piece;
    const body = raw ? JSON.parse(raw) : undefined;
    const path = req.url ?? '/';
    this.requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });
    res.on('close', () => {
      if (!res.writableFinished) this.closedEarly++;
    });
    if (req.method === 'GET' && path === '/v1/models') {
      return json(res, 200, { object: 'list', data: this.models.map((id) => ({ id, object: 'model', owned_by: 'test' })) });
    }
    const route = this.routes[`${req.method} ${path}`];
    if (!route) return json(res, 404, { error: { message: `no route for ${req.method} ${path}` } });
    await route(res, body, req);
  }
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** One `data:` event of a chat.completion.chunk stream. */
export function chunkEvent(delta: { content?: string; finish?: string | null; usage?: { prompt_tokens: number; completion_tokens: number } }): string {
  const chunk = {
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'fake-model',
    // The final usage chunk of stream_options.include_usage has no choices.
    choices: delta.usage && delta.content === undefined ? [] : [{ index: 0, delta: delta.content === undefined ? {} : { content: delta.content }, finish_reason: delta.finish ?? null }],
    ...(delta.usage ? { usage: { ...delta.usage, total_tokens: delta.usage.prompt_tokens + delta.usage.completion_tokens } } : {}),
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/** Starts an SSE answer. */
export function startStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
}

/** Writes each piece as its own network write, with a pause between, so the client reads them separately. */
export async function writeSlowly(res: ServerResponse, pieces: Array<string | Buffer>, pauseMs = 5): Promise<void> {
  for (const piece of pieces) {
    if (res.destroyed) return;
    res.write(piece);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}
