import { Logger } from '@nestjs/common';
import { FileAuditTrail, PostgresAuditTrail, type AuditTrail } from '@relay/audit-trail';
import { Database } from '@relay/database';
import { AuditLog } from '@relay/observability';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestPostgres } from '../support/postgres';
import { auditTrailContract } from './audit-trail.contract';

// One contract, both AUDIT_TRAIL adapters: the JSON-lines file (STORE=file) and the shared table (STORE=postgres).
beforeAll(() => Logger.overrideLogger(false));

describe('FileAuditTrail meets the AuditTrail contract', () => {
  const root = mkdtempSync(join(tmpdir(), 'relay-audit-contract-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const logs = new Map<AuditTrail, AuditLog>();
  auditTrailContract({
    newPlace: async () => join(root, `audit-${n++}.jsonl`),
    open: async (path) => {
      const log = new AuditLog(path);
      const trail = new FileAuditTrail(log);
      logs.set(trail, log);
      return trail;
    },
    close: async (trail) => {
      await logs.get(trail)?.onModuleDestroy();
      logs.delete(trail);
    },
    shared: false,
  });
});

describe('PostgresAuditTrail against a real PostgreSQL meets the AuditTrail contract', () => {
  let postgres: TestPostgres;
  const pools = new Map<AuditTrail, Database>();
  beforeAll(() => {
    postgres = TestPostgres.start();
  }, 60_000);
  afterAll(async () => {
    await postgres.stop();
  });

  auditTrailContract({
    newPlace: () => postgres.createDatabase(),
    // Each trail its own pool, as each gateway replica has.
    open: async (url) => {
      const db = await Database.connect({ url, poolSize: 4, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000, applicationName: 'relay-test' });
      const trail = new PostgresAuditTrail(db);
      pools.set(trail, db);
      return trail;
    },
    close: async (trail) => {
      await (trail as PostgresAuditTrail).onModuleDestroy();
      await pools.get(trail)?.close();
      pools.delete(trail);
    },
    shared: true,
  });
});
