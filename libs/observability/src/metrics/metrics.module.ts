import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';

/** GET /metrics for whichever app imports it; RelayMetrics itself comes from the transport (TransportModule). */
@Module({ controllers: [MetricsController] })
export class MetricsModule {}
