import { createEnvelope, DEAD_LETTER_HEADERS, type RetrievedContext, TOPICS } from '@relay/contracts';
import type { InMemoryKeywordIndex, InMemoryVectorStore } from '@relay/testing';
import type { TransportRecord } from '@relay/transport';
import { KEYWORD_INDEX } from '@relay/retrieval';
import { VECTOR_STORE } from '@relay/vector-store';
import request from 'supertest';
import { ChatClient, createSession } from '../support/chat-client';
import { MediumRelay, startMediumRelay } from './relay-app';

// Collections through the running app: upload into one, ask inside a scope, move, delete; and records an older Relay
// left in a topic. The retrieved chunks are read off chat.retrieved itself (a second consumer group, as an operator's
// tool would read it), so "never retrieved" means never, not merely "not cited".
describe('retrieval scope through the running app (models and stores faked)', () => {
  let relay: MediumRelay;
  let vectors: InMemoryVectorStore;
  let keywords: InMemoryKeywordIndex;
  const retrieved = new Map<string, RetrievedContext['chunks']>();
  const indexed: TransportRecord[] = [];
  const deadLetters: TransportRecord[] = [];
  const auth = { Authorization: 'Bearer docs-token' };

  beforeAll(async () => {
    // The fake embedder's vectors are hashes: no cosine floor, so what retrieval may find is decided by the scope alone.
    relay = await startMediumRelay({ DOCUMENTS_TOKEN: 'docs-token', RETRIEVER_MIN_SCORE: '-1', RETRIEVER_TOP_K: '8' });
    vectors = relay.app.get(VECTOR_STORE);
    keywords = relay.app.get(KEYWORD_INDEX);
    relay.broker.subscribe(TOPICS.retrieved, 'test-observer', async (record) => {
      const envelope = JSON.parse(record.value) as { messageId: string; payload: RetrievedContext };
      retrieved.set(envelope.messageId, envelope.payload.chunks);
    });
    relay.broker.subscribe(TOPICS.documentIndexed, 'test-observer', async (record) => void indexed.push(record));
    relay.broker.subscribe(TOPICS.deadLetters, 'test-observer', async (record) => void deadLetters.push(record));
  });
  afterAll(() => relay.app.close());

  const upload = (body: Record<string, unknown>) => request(relay.url).post('/api/documents').set(auth).send(body);

  async function ask(text: string, collectionIds?: string[]) {
    const session = await createSession(relay.url);
    const client = await ChatClient.connect(relay.url, session.token);
    try {
      const answer = await client.ask(session.sessionId, text, undefined, 30_000, collectionIds === undefined ? {} : { collectionIds });
      if (!answer.ack.ok) throw new Error(`not accepted: ${JSON.stringify(answer.ack)}`);
      const messageId = answer.ack.messageId;
      await until(() => retrieved.has(messageId));
      return { done: answer.done!, chunks: retrieved.get(messageId) ?? [], messageId };
    } finally {
      client.close();
    }
  }

  const ALPHA = { title: 'Alpha memo', text: 'The Zephyrine beacon was lit by Captain Orla Venn in the year 2207.', source: 'memos/alpha', collection: 'alpha' };
  const BETA = { title: 'Beta memo', text: 'Zephyrine beacon ignition record: Captain Orla Venn, 2207.', source: 'memos/beta', collection: 'beta' };
  let alphaId: string;
  let betaId: string;

  it('uploads into the collection named, lists each document with its collection, and filters the list by one', async () => {
    const alpha = await upload(ALPHA).expect(201);
    const beta = await request(relay.url).post('/api/documents').set(auth).field('collection', 'beta').field('source', 'memos/beta').attach('file', Buffer.from(`# ${BETA.title}\n\n${BETA.text}`), 'beta.md').expect(201);
    alphaId = alpha.body.document.documentId;
    betaId = beta.body.document.documentId;
    expect(alpha.body.document).toMatchObject({ collectionId: 'alpha', status: 'indexed' });
    expect(beta.body.document).toMatchObject({ collectionId: 'beta', status: 'indexed' });
    const plain = await upload({ title: 'Plain', text: 'A memo with no collection named.', source: 'memos/plain' }).expect(201);
    expect(plain.body.document.collectionId).toBe('default');

    const all = await request(relay.url).get('/api/documents').expect(200);
    expect(Object.fromEntries(all.body.documents.map((d: { source: string; collectionId: string }) => [d.source, d.collectionId]))).toEqual({ 'memos/alpha': 'alpha', 'memos/beta': 'beta', 'memos/plain': 'default' });
    const onlyBeta = await request(relay.url).get('/api/documents?collection=beta').expect(200);
    expect(onlyBeta.body.documents.map((d: { documentId: string }) => d.documentId)).toEqual([betaId]);
    // Every chunk carries its document's collection, in both indexes.
    for await (const c of vectors.chunks({ documentIds: [alphaId] })) expect(c.collectionId).toBe('alpha');
    expect(keywords.chunksOf(betaId).map((c) => c.collectionId)).toEqual(['beta']);
  });

  it('refuses a collection id that is not one, on upload and in the list query, before anything is indexed', async () => {
    const before = await vectors.count();
    const res = await upload({ ...ALPHA, source: 'memos/bad', collection: 'Team A' }).expect(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_PAYLOAD', message: expect.stringContaining('collection') });
    await request(relay.url).post('/api/documents').set(auth).field('collection', '../etc').attach('file', Buffer.from('x y z'), 'bad.txt').expect(400);
    await request(relay.url).get('/api/documents?collection=NOPE!').expect(400);
    expect(await vectors.count()).toBe(before);
  });

  it('retrieves and cites only the asked collection’s document, by keyword and by vector; no scope asked: every collection', async () => {
    const inAlpha = await ask('Who lit the Zephyrine beacon?', ['alpha']);
    expect(inAlpha.chunks.map((c) => c.documentId)).toContain(alphaId);
    expect(inAlpha.chunks.map((c) => c.documentId)).not.toContain(betaId);
    expect(inAlpha.done.citations.map((c) => c.documentId)).not.toContain(betaId);
    // Worded as the beta memo is, so keyword search would rank beta first if it could see it.
    const betaWords = await ask('Zephyrine beacon ignition record', ['alpha']);
    expect(betaWords.chunks.map((c) => c.documentId)).toEqual([alphaId]);

    const inBeta = await ask('Who lit the Zephyrine beacon?', ['beta']);
    expect(inBeta.chunks.map((c) => c.documentId)).toEqual([betaId]);
    expect(inBeta.done.citations.map((c) => c.documentId)).toEqual([betaId]);

    const everywhere = await ask('Who lit the Zephyrine beacon?');
    expect(everywhere.chunks.map((c) => c.documentId)).toEqual(expect.arrayContaining([alphaId, betaId]));
  });

  it('answers an empty scope from the question alone: nothing retrieved, no sources, no citations', async () => {
    const prompts = relay.llm.prompts.length;
    const none = await ask('Who lit the Zephyrine beacon?', []);
    expect(none.done.finishReason).toBe('stop');
    expect(none.done.citations).toEqual([]);
    expect(none.chunks).toEqual([]);
    expect(JSON.stringify(relay.llm.prompts[prompts])).not.toContain('Zephyrine beacon was lit');
  });

  it('moves a document when it is uploaded again into another collection; uploaded again without one, it stays', async () => {
    const moved = await upload({ ...ALPHA, collection: 'beta' }).expect(201);
    expect(moved.body).toMatchObject({ unchanged: false, document: { documentId: alphaId, collectionId: 'beta', status: 'indexed' } });
    expect(moved.body.document.previousCollectionId).toBeUndefined();
    for await (const c of vectors.chunks({ documentIds: [alphaId] })) expect(c.collectionId).toBe('beta');
    expect((await ask('Who lit the Zephyrine beacon?', ['alpha'])).chunks).toEqual([]);
    expect(new Set((await ask('Who lit the Zephyrine beacon?', ['beta'])).chunks.map((c) => c.documentId))).toEqual(new Set([alphaId, betaId]));

    const { collection: _collection, ...withoutCollection } = ALPHA;
    const again = await upload(withoutCollection).expect(200);
    expect(again.body).toMatchObject({ unchanged: true, document: { collectionId: 'beta' } });
  });

  it('stops retrieving a document the moment its delete is accepted, while its chunks are still being removed', async () => {
    let finishDelete!: () => void;
    vectors.deleteGate = new Promise((ok) => (finishDelete = ok));
    const deleting = request(relay.url).delete(`/api/documents/${betaId}`).set(auth).then((res) => res);
    try {
      await until(async () => (await request(relay.url).get(`/api/documents/${betaId}`)).body.document?.status === 'deleting');
      // The vector store still holds every chunk of it.
      const stillThere: string[] = [];
      for await (const c of vectors.chunks({ documentIds: [betaId] })) stillThere.push(c.chunkId);
      expect(stillThere.length).toBeGreaterThan(0);

      const asked = await ask('Zephyrine beacon ignition record', ['beta']);
      expect(asked.chunks.map((c) => c.documentId)).not.toContain(betaId);
      expect(asked.done.citations.map((c) => c.documentId)).not.toContain(betaId);
    } finally {
      finishDelete();
      vectors.deleteGate = undefined;
    }
    expect((await deleting).status).toBe(200);
    await request(relay.url).get(`/api/documents/${betaId}`).expect(404);
  });

  it('answers a query record an older Relay wrote (schemaVersion 1, no scope) without sources, instead of dead-lettering it', async () => {
    const session = await createSession(relay.url);
    const old = createEnvelope({ sessionId: session.sessionId, payload: { userId: 'old', clientMessageId: 'old-1', text: 'Who lit the Zephyrine beacon?', history: [] } });
    const deadBefore = deadLetters.length;
    const prompts = relay.llm.prompts.length;
    await relay.broker.publish({ topic: TOPICS.queries, key: session.sessionId, value: JSON.stringify({ ...old, schemaVersion: 1, sentAt: Date.now() }), headers: {} }, 'wait');

    await until(() => retrieved.has(old.messageId));
    expect(retrieved.get(old.messageId)).toEqual([]);
    await until(() => relay.llm.prompts.length > prompts);
    expect(deadLetters.length).toBe(deadBefore);
  });

  it('indexes a docs.ingest record an older Relay wrote (no collectionId) into the default collection', async () => {
    const record = createEnvelope({
      sessionId: 'doc-olderrelay0000000001',
      payload: { type: 'upsert', documentId: 'doc-olderrelay0000000001', title: 'Old', source: 'old.md', contentHash: 'b'.repeat(64), format: 'plain', sections: [{ text: 'Written by a Relay before collections.' }] },
    });
    await relay.broker.publish({ topic: TOPICS.documentIngest, key: record.sessionId, value: JSON.stringify({ ...record, schemaVersion: 1, sentAt: Date.now() }), headers: {} }, 'wait');
    await until(() => indexed.some((r) => r.key === record.sessionId));
    const status = JSON.parse(indexed.find((r) => r.key === record.sessionId)!.value);
    expect(status.payload).toMatchObject({ status: 'indexed', collectionId: 'default' });
    for await (const c of vectors.chunks({ documentIds: [record.sessionId] })) expect(c.collectionId).toBe('default');
  });

  it('dead-letters a record of a schema version it does not know, naming the field', async () => {
    const record = createEnvelope({ sessionId: 's-future', payload: { userId: 'u', clientMessageId: 'c', text: 'hi', history: [], scope: { collectionIds: [], excludedDocumentIds: [] } } });
    const before = deadLetters.length;
    await relay.broker.publish({ topic: TOPICS.queries, key: 's-future', value: JSON.stringify({ ...record, schemaVersion: 3 }), headers: {} }, 'wait');
    await until(() => deadLetters.length > before);
    expect(deadLetters[before].headers[DEAD_LETTER_HEADERS.reason]).toMatch(/^invalid message: schemaVersion/);
  });
});

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((ok) => setTimeout(ok, 20));
  }
}
