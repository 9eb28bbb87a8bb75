import { Controller, Get, Header, Res } from '@nestjs/common';
import type { Response } from 'express';
import { RelayMetrics } from './relay-metrics';

/**
 * GET /metrics on every app's own HTTP port, in Prometheus' text format. Like /health it is unauthenticated, for
 * the scraper on the private network: expose the gateway's port publicly only behind a proxy that keeps /metrics in.
 */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: RelayMetrics) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async expose(@Res() res: Response): Promise<void> {
    const text = await this.metrics.registry.expose();
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.send(text);
  }
}
