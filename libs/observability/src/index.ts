export * from './correlation-context';
export * from './readiness-registry';
export * from './audit-log';
export * from './logger.module';
export * from './observability.module';
export * from './health.module';
export * from './correlation-id';
export * from './log-redaction';
