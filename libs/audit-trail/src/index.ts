export * from './audit-query';
export * from './audit-trail.port';
export * from './file-audit-trail';
export * from './postgres-audit-trail';
export * from './audit-retention';
