import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ReadinessRegistry } from './readiness-registry';

/**
 * For SREs and orchestrators. Live: the process answers. Ready: every dependency this process hosts (transport,
 * stores, models, knowledge base) is up; 503 with the same report until then.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly readiness: ReadinessRegistry,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(
      this.readiness.report().map((entry) => () => {
        const indicator = this.indicators.check(entry.name);
        return entry.ready ? indicator.up(entry.details) : indicator.down(entry.details);
      }),
    );
  }
}
