import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';

/** `/health/live` and `/health/ready` for whichever app imports it (each app's own HTTP port). */
@Module({ imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false })], controllers: [HealthController] })
export class HealthModule {}
