import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DocumentRecord } from '../documents/document-registry.port';
import { FileDocumentRegistry } from '../documents/file-document-registry';
import { EveryCollectionScopeResolver } from './every-collection.scope-resolver';

const doc = (documentId: string, collectionId: string): DocumentRecord => ({
  documentId,
  collectionId,
  title: documentId,
  source: `${documentId}.md`,
  type: 'md',
  contentHash: 'h',
  status: 'indexed',
  chunks: 1,
  bytes: 1,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
});

describe('EveryCollectionScopeResolver', () => {
  const anyone = { userId: 'anyone', roles: [], groups: [] };

  it('lets anyone read default, even before any document is uploaded', async () => {
    const sut = new EveryCollectionScopeResolver(new FileDocumentRegistry(join(mkdtempSync(join(tmpdir(), 'relay-scope-')), 'documents.json')));
    expect(await sut.scopeFor(anyone)).toEqual({ collectionIds: ['default'] });
  });

  it('lets anyone read every collection a listed document is in, once each, as it changes', async () => {
    const registry = new FileDocumentRegistry(join(mkdtempSync(join(tmpdir(), 'relay-scope-')), 'documents.json'));
    const sut = new EveryCollectionScopeResolver(registry);
    await registry.put(doc('d1', 'team-b'));
    await registry.put(doc('d2', 'team-a'));
    await registry.put(doc('d3', 'team-b'));
    await registry.put(doc('d4', 'default'));
    expect(await sut.scopeFor(anyone)).toEqual({ collectionIds: ['default', 'team-a', 'team-b'] });
    await registry.remove('d2');
    expect(await sut.scopeFor({ userId: 'someone-else', roles: ['reader'], groups: ['g'] })).toEqual({ collectionIds: ['default', 'team-b'] });
  });
});
