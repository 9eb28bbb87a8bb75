import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Serves the web client (apps/web, built by Vite into WEB_DIR) at `/`. Vite names its assets by content hash, so
 * they are cached for good; index.html is revalidated on every load so a new build is picked up at once.
 */
@Injectable()
export class WebClientMiddleware implements NestMiddleware {
  private readonly logger = new Logger('WebClient');
  private readonly serve: (req: Request, res: Response, next: NextFunction) => void;
  private readonly built: boolean;

  constructor(webDir: string) {
    const dir = resolve(webDir);
    this.built = existsSync(join(dir, 'index.html'));
    if (!this.built) this.logger.warn({ msg: 'web client not built: `/` explains how to build it', webDir: dir });
    this.serve = express.static(dir, {
      index: 'index.html',
      setHeaders: (res, path) => {
        res.setHeader('Cache-Control', path.includes(`${join(dir, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }

  use(req: Request, res: Response, next: NextFunction): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path.startsWith('/api/') || req.path.startsWith('/health/') || req.path.startsWith('/socket.io/')) return next();
    if (!this.built && req.path === '/') {
      res.status(503).type('text/plain').send('The web client is not built. Run `npm run build` (npm start does it), then reload.\n');
      return;
    }
    this.serve(req, res, next);
  }
}
