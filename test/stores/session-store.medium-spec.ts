import { Logger } from '@nestjs/common';
import { Database } from '@relay/database';
import { FileSessionStore, PostgresSessionStore, type SessionStore } from '@relay/session-store';
import { InMemorySessionStore } from '@relay/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestPostgres } from '../support/postgres';
import { sessionStoreContract } from './session-store.contract';

// One contract, every SESSION_STORE adapter (and the fake the unit tests use, so it cannot drift from them).
beforeAll(() => Logger.overrideLogger(false));

describe('FileSessionStore meets the SessionStore contract', () => {
  const root = mkdtempSync(join(tmpdir(), 'relay-session-contract-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  sessionStoreContract({
    newPlace: async () => join(root, `sessions-${n++}`),
    open: async (dir) => new FileSessionStore(dir),
    close: async () => undefined,
    persists: true,
    shared: false,
    nul: 'kept',
  });
});

describe('InMemorySessionStore (the unit tests’ fake) meets the SessionStore contract', () => {
  sessionStoreContract({
    newPlace: async () => 'memory',
    open: async () => new InMemorySessionStore(),
    close: async () => undefined,
    persists: false,
    shared: false,
    nul: 'kept',
  });
});

describe('PostgresSessionStore against a real PostgreSQL meets the SessionStore contract', () => {
  let postgres: TestPostgres;
  let url: Promise<string>;
  const pools = new Map<SessionStore, Database>();
  beforeAll(() => {
    postgres = TestPostgres.start();
    // One database for the whole contract: every test works on sessions of its own (random ids).
    url = postgres.createDatabase();
  }, 60_000);
  afterAll(async () => {
    await postgres.stop();
  });

  sessionStoreContract({
    newPlace: () => url,
    // Each store its own pool, as each gateway replica has.
    open: async (place) => {
      const db = await Database.connect({ url: place, poolSize: 4, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000, applicationName: 'relay-test' });
      const store = new PostgresSessionStore(db);
      pools.set(store, db);
      return store;
    },
    close: async (store) => {
      await pools.get(store)?.close();
      pools.delete(store);
    },
    persists: true,
    shared: true,
    nul: 'replaced',
  });
});
