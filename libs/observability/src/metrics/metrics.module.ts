import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { ReadinessRegistry } from '../readiness-registry';
import { MetricsController } from './metrics.controller';
import { RelayMetrics } from './relay-metrics';

/** Publishes the readiness checks as `relay_ready{kind}`, so an alert can fire on a component that is not ready. */
@Injectable()
class ReadinessMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: RelayMetrics,
    private readonly readiness: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.metrics.observeReadiness(() => this.readiness.report());
  }
}

/** GET /metrics for whichever app imports it; RelayMetrics itself comes from the transport (TransportModule). */
@Module({ controllers: [MetricsController], providers: [ReadinessMetrics] })
export class MetricsModule {}
