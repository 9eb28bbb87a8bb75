import { SAME_ORIGIN_HEADER } from '@relay/contracts';
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
const BETA = {
  title: 'Quillmoor founding record',
  text: 'Quillmoor observatory founding record: founder Teodora Vasko, year 1893, first telescope built by the founder.',
  source: 'records/quillmoor-beta',
  collection: 'beta',
};
const QUESTION = 'Who founded the Quillmoor observatory?';

describe('Collections: retrieval inside a scope (embedded app, real models)', () => {
  let relay: RelayProcess;
  const ids: Record<'alpha' | 'beta', string> = { alpha: '', beta: '' };

  beforeAll(async () => {
    relay = await RelayProcess.start({ LLM_MAX_TOKENS: '24', SEED_KNOWLEDGE_BASE: 'false' });
    for (const [name, doc] of [['alpha', ALPHA], ['beta', BETA]] as const) {
      const res = await fetch(`${relay.baseUrl}/api/documents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SAME_ORIGIN_HEADER]: '1' },
        body: JSON.stringify(doc),
      });
      if (res.status !== 201) throw new Error(`upload of ${name} answered ${res.status}: ${await res.text()}`);
      ids[name] = ((await res.json()) as { document: { documentId: string } }).document.documentId;
    }
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

  it('lists each document in its collection', async () => {
    const res = await fetch(`${relay.baseUrl}/api/documents?collection=beta`);
    const { documents } = (await res.json()) as { documents: Array<{ documentId: string; collectionId: string }> };
    expect(documents).toEqual([expect.objectContaining({ documentId: ids.beta, collectionId: 'beta' })]);
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
