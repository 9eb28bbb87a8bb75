import { DynamicModule, Global, Module } from '@nestjs/common';
import { AuditLog } from './audit-log';
import { ReadinessRegistry } from './readiness-registry';

/** The shared readiness registry and the audit log; global so every app's modules can reach them. */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(options: { auditLogPath: string }): DynamicModule {
    return {
      module: ObservabilityModule,
      providers: [ReadinessRegistry, { provide: AuditLog, inject: [ReadinessRegistry], useFactory: (readiness: ReadinessRegistry) => new AuditLog(options.auditLogPath, readiness) }],
      exports: [ReadinessRegistry, AuditLog],
    };
  }
}
