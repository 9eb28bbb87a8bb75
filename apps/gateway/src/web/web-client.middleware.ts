import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { existsSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';

/**
 * Serves the web client (apps/web, built by Vite into WEB_DIR) at `/`. Vite names its assets by content hash, so
 * they are cached for good; index.html is revalidated on every load so a new build is picked up at once.
 * Paths are read from req.originalUrl: Nest mounts middleware on a route, which rewrites req.url.
 */
@Injectable()
export class WebClientMiddleware implements NestMiddleware {
  private readonly logger = new Logger('WebClient');
  private readonly dir: string;
  private readonly built: boolean;

  constructor(webDir: string) {
    this.dir = resolve(webDir);
    this.built = existsSync(join(this.dir, 'index.html'));
    if (!this.built) this.logger.warn({ msg: 'web client not built: `/` explains how to build it', webDir: this.dir });
  }

  use(req: Request, res: Response, next: NextFunction): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const path = decodeURIComponentSafe(req.originalUrl.split('?')[0]);
    if (path === undefined || path.startsWith('/api/') || path.startsWith('/health/') || path === '/metrics' || path.startsWith('/socket.io/')) return next();
    if (path === '/' && !this.built) {
      res.status(503).type('text/plain').send('The web client is not built. Run `npm run build` (npm start does it), then reload.\n');
      return;
    }
    const file = resolve(this.dir, `.${path === '/' ? '/index.html' : path}`);
    // Nothing outside WEB_DIR, and only files.
    if (!file.startsWith(this.dir + sep) || !isFile(file)) return next();
    const immutable = file.startsWith(join(this.dir, 'assets') + sep);
    res.setHeader('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    res.sendFile(file, (err) => err && next(err));
  }
}

function decodeURIComponentSafe(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
