import { Logger } from '@nestjs/common';
import { Database } from '@relay/database';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DocumentRegistry } from '../../apps/gateway/src/documents/document-registry.port';
import { FileDocumentRegistry } from '../../apps/gateway/src/documents/file-document-registry';
import { PostgresDocumentRegistry } from '../../apps/gateway/src/documents/postgres-document-registry';
import { TestPostgres } from '../support/postgres';
import { documentRegistryContract } from './document-registry.contract';

// One contract, both DOCUMENT_REGISTRY adapters.
beforeAll(() => Logger.overrideLogger(false));

describe('FileDocumentRegistry meets the DocumentRegistry contract', () => {
  const root = mkdtempSync(join(tmpdir(), 'relay-registry-contract-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  documentRegistryContract({
    newPlace: async () => join(root, `documents-${n++}.json`),
    open: async (path) => new FileDocumentRegistry(path),
    close: async () => undefined,
    shared: false,
  });
});

describe('PostgresDocumentRegistry against a real PostgreSQL meets the DocumentRegistry contract', () => {
  let postgres: TestPostgres;
  const pools = new Map<DocumentRegistry, Database>();
  beforeAll(() => {
    postgres = TestPostgres.start();
  }, 60_000);
  afterAll(async () => {
    await postgres.stop();
  });

  documentRegistryContract({
    // The list is global, so each test gets a database of its own.
    newPlace: () => postgres.createDatabase(),
    open: async (url) => {
      const db = await Database.connect({ url, poolSize: 2, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000, applicationName: 'relay-test' });
      const registry = new PostgresDocumentRegistry(db);
      pools.set(registry, db);
      return registry;
    },
    close: async (registry) => {
      await pools.get(registry)?.close();
      pools.delete(registry);
    },
    shared: true,
  });
});
