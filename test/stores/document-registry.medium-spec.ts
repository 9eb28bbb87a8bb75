import { Logger } from '@nestjs/common';
import { Database, migrate, readMigrations, relayMigrationsDir } from '@relay/database';
import { Pool } from 'pg';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

  it('reads a file written before collections existed: its documents are in default', async () => {
    const path = join(root, 'old-documents.json');
    const old = { documentId: 'doc-old', title: 'Old', source: 'old.md', type: 'md', contentHash: 'h', status: 'indexed', chunks: 1, bytes: 3, createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z' };
    writeFileSync(path, JSON.stringify({ documents: [old] }));
    const registry = new FileDocumentRegistry(path);
    expect(await registry.get('doc-old')).toEqual({ ...old, collectionId: 'default' });
    expect(await registry.collectionIds()).toEqual(['default']);
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

  it('lists a document recorded before collections existed (a database migrated from 0002) in default', async () => {
    const url = await postgres.createDatabase();
    const pool = new Pool({ connectionString: url });
    try {
      await migrate(pool, readMigrations(relayMigrationsDir()).filter((m) => m.version <= 2));
      await pool.query(
        `INSERT INTO documents (document_id, title, source, type, content_hash, status, chunks, bytes, created_at, updated_at)
         VALUES ('doc-old', 'Old', 'old.md', 'md', 'h', 'indexed', 1, 3, now(), now())`,
      );
    } finally {
      await pool.end();
    }
    const db = await Database.connect({ url, poolSize: 2, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000, applicationName: 'relay-test' });
    try {
      const registry = new PostgresDocumentRegistry(db);
      expect(await registry.get('doc-old')).toMatchObject({ documentId: 'doc-old', collectionId: 'default' });
      expect((await registry.get('doc-old'))?.previousCollectionId).toBeUndefined();
      expect(await registry.collectionIds()).toEqual(['default']);
    } finally {
      await db.close();
    }
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
