import { SAME_ORIGIN_HEADER } from '@relay/contracts';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ChatClient, createSession } from '../support/chat-client';
import { RelayProcess } from '../support/relay-process';

// The same made-up fact, phrased differently, in two collections, and the embedded app with the real embedder and
// model: retrieval inside a scope (here narrowed by the client, as any scope from the gateway is applied) never
// reaches the other collection's chunks, whether vector search or keyword search would rank them.
const ALPHA = {
  title: 'Observatory history',
  text: 'The Quillmoor observatory was founded in 1893 by the astronomer Teodora Vasko, who also built its first telescope.',
  source: 'history/quillmoor-alpha',
  collection: 'alpha',
};
// Uploaded as a file with `npm run ingest -- --collection beta`.
const BETA_FILE = '# Quillmoor founding record\n\nQuillmoor observatory founding record: founder Teodora Vasko, year 1893, first telescope built by the founder.\n';
const QUESTION = 'Who founded the Quillmoor observatory?';

describe('Collections: retrieval inside a scope (embedded app, real models)', () => {
  let relay: RelayProcess;
  const ids: Record<'alpha' | 'beta', string> = { alpha: '', beta: '' };

  beforeAll(async () => {
    relay = await RelayProcess.start({ LLM_MAX_TOKENS: '24', SEED_KNOWLEDGE_BASE: 'false' });
    const res = await fetch(`${relay.baseUrl}/api/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SAME_ORIGIN_HEADER]: '1' },
      body: JSON.stringify(ALPHA),
    });
    if (res.status !== 201) throw new Error(`upload of alpha answered ${res.status}: ${await res.text()}`);
    ids.alpha = ((await res.json()) as { document: { documentId: string } }).document.documentId;

    const folder = mkdtempSync(join(tmpdir(), 'relay-collections-'));
    writeFileSync(join(folder, 'quillmoor-beta.md'), BETA_FILE);
    const ingest = [resolve(__dirname, '../../scripts/ingest.mjs'), 'quillmoor-beta.md', '--url', relay.baseUrl, '--collection', 'beta'];
    const { stdout } = await promisify(execFile)(process.execPath, ingest, { cwd: folder });
    if (!/indexed\s+quillmoor-beta\.md/.test(stdout)) throw new Error(`npm run ingest said: ${stdout}`);
    const listed = (await (await fetch(`${relay.baseUrl}/api/documents`)).json()) as { documents: Array<{ documentId: string; source: string }> };
    ids.beta = listed.documents.find((d) => d.source === 'quillmoor-beta.md')!.documentId;
  });

  afterAll(async () => {
    await relay?.stop();
  });

  async function ask(text: string, collectionIds?: string[]) {
    const session = await createSession(relay.baseUrl);
    const client = await ChatClient.connect(relay.baseUrl, session.token);
    try {
      const answer = await client.ask(session.sessionId, text, undefined, 90_000, collectionIds === undefined ? {} : { collectionIds });
      if (!answer.done) throw new Error(`no answer: ${JSON.stringify(answer.error ?? answer.ack)}`);
      return answer.done;
    } finally {
      client.close();
    }
  }

  it('lists each document in its collection (the file uploaded with npm run ingest --collection in beta)', async () => {
    const res = await fetch(`${relay.baseUrl}/api/documents?collection=beta`);
    const { documents } = (await res.json()) as { documents: Array<{ documentId: string; collectionId: string }> };
    expect(documents).toEqual([expect.objectContaining({ documentId: ids.beta, collectionId: 'beta' })]);
    const alpha = (await (await fetch(`${relay.baseUrl}/api/documents/${ids.alpha}`)).json()) as { document: { collectionId: string } };
    expect(alpha.document.collectionId).toBe('alpha');
  });

  it('unscoped (every collection, as the anonymous mode allows), both phrasings are sources', async () => {
    const done = await ask(QUESTION);
    expect(done.citations.map((c) => c.documentId).sort()).toEqual([ids.alpha, ids.beta].sort());
  });

  it('scoped to one collection, only that collection’s document is a source, however the question is worded', async () => {
    const inAlpha = await ask(QUESTION, ['alpha']);
    expect(inAlpha.citations.map((c) => c.documentId)).toEqual([ids.alpha]);
    // Worded as the beta record is (its rare words for keyword search, its phrasing for the embedding).
    const betaWorded = await ask('Quillmoor observatory founding record: founder?', ['alpha']);
    expect(betaWorded.citations.map((c) => c.documentId)).toEqual([ids.alpha]);

    const inBeta = await ask(QUESTION, ['beta']);
    expect(inBeta.citations.map((c) => c.documentId)).toEqual([ids.beta]);
    expect(inBeta.citations[0].snippet).toContain('founding record');
  });

  it('with an empty scope, answers from the question alone: no sources', async () => {
    const done = await ask(QUESTION, []);
    expect(done.citations).toEqual([]);
    expect(done.text.length).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(done.finishReason);
  });
});
