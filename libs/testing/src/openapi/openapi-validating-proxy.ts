import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OpenApiValidator } from './openapi-validator';

export interface OpenApiExchange {
  method: string;
  url: string;
  /** The operation's id in the document, or undefined when the request matched none. */
  operationId?: string;
  status: number;
}

export interface OpenApiViolation extends OpenApiExchange {
  direction: 'request' | 'response';
  problems: string[];
}

/**
 * An HTTP proxy for tests that sits between a client and a real server and checks every request the client sends
 * and every response it gets back against an OpenAPI document. It forwards everything unchanged (a violation is
 * recorded, not blocked, so the test sees the server's real behaviour) and keeps a log for the test to assert on.
 */
export class OpenApiValidatingProxy {
  readonly exchanges: OpenApiExchange[] = [];
  readonly violations: OpenApiViolation[] = [];
  private server?: Server;

  constructor(
    private readonly upstream: string,
    private readonly validator: OpenApiValidator,
  ) {}

  /** Listens on 127.0.0.1 (a free port unless given); returns the URL to give the client instead of the server's. */
  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      void this.forward(req).then(
        ({ status, headers, body }) => {
          res.writeHead(status, headers);
          res.end(body);
        },
        (err: Error) => {
          // The upstream could not be reached: close the socket, so the client sees a network error as it would.
          this.violations.push({ method: req.method ?? '', url: req.url ?? '', status: 0, direction: 'response', problems: [`no response from ${this.upstream}: ${err.message}`] });
          res.destroy();
        },
      );
    });
    await new Promise<void>((ok) => this.server!.listen(port, '127.0.0.1', ok));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((ok) => this.server!.close(() => ok()));
  }

  /** One line per violation, for a readable test failure. */
  report(): string {
    return this.violations.map((v) => `${v.direction} ${v.method} ${v.url} (${v.operationId ?? 'no operation'}, status ${v.status}):\n  ${v.problems.join('\n  ')}`).join('\n');
  }

  private async forward(req: IncomingMessage): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const requestBody = chunks.length ? Buffer.concat(chunks) : undefined;
    const operationId = this.validator.operation(method, url)?.operationId;

    const requestProblems = this.validator.validateRequest(method, url, requestBody?.toString('utf8'));
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'api-key', 'authorization', 'accept']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const res = await fetch(new URL(url, this.upstream), { method, headers, body: requestBody });
    const body = Buffer.from(await res.arrayBuffer());
    const contentType = res.headers.get('content-type') ?? '';

    const exchange = { method, url, operationId, status: res.status };
    this.exchanges.push(exchange);
    if (requestProblems.length) this.violations.push({ ...exchange, direction: 'request', problems: requestProblems });
    const responseProblems = this.validator.validateResponse(method, url, res.status, body.toString('utf8'), contentType);
    if (responseProblems.length) this.violations.push({ ...exchange, direction: 'response', problems: responseProblems });
    return { status: res.status, headers: contentType ? { 'content-type': contentType } : {}, body };
  }
}
