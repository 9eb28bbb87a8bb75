import { DynamicModule, Module } from '@nestjs/common';
import type { CommonConfig } from '@relay/config';
import { type DatabaseConfig, DatabaseModule } from '@relay/database';
import { ObservabilityModule, RelayLoggerModule } from '@relay/observability';
import { SessionStoreModule } from '@relay/session-store';
import { RelayTransport, TransportModule } from '@relay/transport';
import { join } from 'node:path';
import type { GatewayConfig } from './gateway.config';
import { GatewayModule } from './gateway.module';

/** The gateway as its own process (distributed mode). */
@Module({})
export class GatewayAppModule {
  static forRoot(config: { common: CommonConfig; gateway: GatewayConfig; database: DatabaseConfig }, transport: RelayTransport): DynamicModule {
    const store = config.database.STORE;
    const dataDir = config.common.DATA_DIR;
    return {
      module: GatewayAppModule,
      imports: [
        RelayLoggerModule.forRoot({ level: config.common.LOG_LEVEL }),
        ObservabilityModule.forRoot({ auditLogPath: join(dataDir, 'audit', 'audit.jsonl') }),
        TransportModule.forRoot(transport),
        DatabaseModule.forRoot(config.database, { applicationName: 'relay-gateway' }),
        SessionStoreModule.forRoot({ dataDir, store, cacheSize: config.gateway.SESSION_CACHE_SIZE }),
        GatewayModule.forRoot(config.gateway, { dataDir, store }),
      ],
    };
  }
}
