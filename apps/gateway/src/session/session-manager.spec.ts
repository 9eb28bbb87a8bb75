import { BusyError, ChatQuery, MAX_SCOPE_EXCLUDED_DOCUMENTS, RelayError, TOPICS } from '@relay/contracts';
import { InMemorySessionStore, RecordingTopicPublisher } from '@relay/testing';
import { FileAuditTrail } from '@relay/audit-trail';
import { AuditLog } from '@relay/observability';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RetrievalScopeResolver } from '../access/retrieval-scope.port';
import { RetrievalScopeService } from '../access/retrieval-scope.service';
import { InteractionAudit } from '../audit/interaction-audit';
import type { DocumentRecord } from '../documents/document-registry.port';
import { FileDocumentRegistry } from '../documents/file-document-registry';
import { gatewayConfigSchema, type GatewayConfig } from '../gateway.config';
import { SessionManager } from './session-manager';

// Every default, then what these tests depend on.
const baseConfig: GatewayConfig = {
  ...gatewayConfigSchema.parse({ AUTH_SECRET: 'x'.repeat(32) }),
  MAX_MESSAGE_CHARS: 20,
  HISTORY_MAX_TURNS: 2,
  MAX_DOCUMENT_BYTES: 1024,
  INGEST_TIMEOUT_MS: 1000,
};

/** Who may read what in these tests: each user id mapped to its collections, as a grants-based resolver would. */
class GrantsByUser implements RetrievalScopeResolver {
  readonly asked: string[] = [];
  constructor(public grants: Record<string, string[]> = { 'user-1': ['default'] }) {}
  async scopeFor(principal: { userId: string }): Promise<{ collectionIds: string[] }> {
    this.asked.push(principal.userId);
    return { collectionIds: this.grants[principal.userId] ?? [] };
  }
}

async function setup(config: Partial<GatewayConfig> = {}) {
  const store = new InMemorySessionStore();
  const publisher = new RecordingTopicPublisher();
  const dir = mkdtempSync(join(tmpdir(), 'relay-session-manager-'));
  const audit = new AuditLog(join(dir, 'audit.jsonl'));
  const interactions = new InteractionAudit(new FileAuditTrail(audit), join(dir, 'open'));
  const grants = new GrantsByUser();
  const documents = new FileDocumentRegistry(join(dir, 'documents.json'));
  const manager = new SessionManager(store, publisher, { ...baseConfig, ...config }, interactions, new RetrievalScopeService(grants, documents));
  const { sessionId, token } = await manager.createSession('user-1');
  return { store, publisher, manager, sessionId, token, audit, interactions, grants, documents };
}

const document = (documentId: string, extra: Partial<DocumentRecord> = {}): DocumentRecord => ({
  documentId,
  collectionId: 'default',
  title: documentId,
  source: `${documentId}.md`,
  type: 'md',
  contentHash: 'a'.repeat(64),
  status: 'indexed',
  chunks: 1,
  bytes: 10,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  ...extra,
});

async function rejection(promise: Promise<unknown>): Promise<RelayError> {
  try {
    await promise;
  } catch (err) {
    return err as RelayError;
  }
  throw new Error('expected a rejection');
}

const queryOf = (publisher: RecordingTopicPublisher, i = 0) => publisher.on(TOPICS.queries)[i].envelope.payload as ChatQuery;

describe('SessionManager', () => {
  describe('sessions and tokens', () => {
    it('creates a session whose token authenticates as that session', async () => {
      const { manager, store, sessionId, token } = await setup();
      expect(manager.authenticate(token)).toBe(sessionId);
      expect(await store.get(sessionId)).toMatchObject({ sessionId, userId: 'user-1' });
    });

    it('refuses a bad token with UNAUTHORIZED', async () => {
      const { manager } = await setup();
      expect(() => manager.authenticate('v1.someone.forged')).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
      expect(() => manager.authenticate(undefined)).toThrow(RelayError);
    });

    it("authorizes the caller's own session and refuses another session's id", async () => {
      const { manager, sessionId } = await setup();
      const other = await manager.createSession('user-2');

      await expect(manager.authorize(sessionId, sessionId)).resolves.toBeUndefined();
      expect((await rejection(manager.authorize(sessionId, other.sessionId))).code).toBe('UNKNOWN_SESSION');
    });

    it('refuses a validly owned session id that does not exist', async () => {
      const { manager } = await setup();
      expect((await rejection(manager.authorize('ghost', 'ghost'))).code).toBe('UNKNOWN_SESSION');
    });
  });

  describe('send', () => {
    it.each(['', '   ', '\n\t '])('refuses the empty message %j with EMPTY_MESSAGE and publishes nothing', async (text) => {
      const { manager, publisher, sessionId } = await setup();
      expect((await rejection(manager.send(sessionId, 'c1', text, 'corr'))).code).toBe('EMPTY_MESSAGE');
      expect(publisher.published).toEqual([]);
    });

    it('refuses a message longer than MAX_MESSAGE_CHARS with MESSAGE_TOO_LONG and accepts one at the limit', async () => {
      const { manager, publisher, sessionId } = await setup({ MAX_MESSAGE_CHARS: 20 });

      const err = await rejection(manager.send(sessionId, 'c1', 'x'.repeat(21), 'corr'));
      expect(err.code).toBe('MESSAGE_TOO_LONG');
      expect(err.details).toEqual({ maxChars: 20 });
      expect(publisher.published).toEqual([]);

      await manager.send(sessionId, 'c2', 'x'.repeat(20), 'corr');
      expect(publisher.published).toHaveLength(1);
    });

    it('refuses an unknown session with UNKNOWN_SESSION and publishes nothing', async () => {
      const { manager, publisher } = await setup();
      expect((await rejection(manager.send('no-such-session', 'c1', 'hello', 'corr'))).code).toBe('UNKNOWN_SESSION');
      expect(publisher.published).toEqual([]);
    });

    it('publishes the query to chat.queries and tracks the message as in flight', async () => {
      const { manager, publisher, sessionId } = await setup();

      const { messageId } = await manager.send(sessionId, 'c1', 'hello', 'corr-1');

      expect(publisher.published).toHaveLength(1);
      const { topic, envelope } = publisher.published[0];
      expect(topic).toBe(TOPICS.queries);
      expect(envelope).toMatchObject({ messageId, sessionId, correlationId: 'corr-1' });
      expect(envelope.payload).toEqual({ userId: 'user-1', clientMessageId: 'c1', text: 'hello', history: [], scope: { collectionIds: ['default'], excludedDocumentIds: [] } });
      expect(manager.inFlightMessage(messageId)).toMatchObject({ sessionId, clientMessageId: 'c1', nextSeq: 0 });
    });

    it('gives the same message id to a re-send of the same client message id and publishes once', async () => {
      const { manager, publisher, sessionId } = await setup();

      const first = await manager.send(sessionId, 'c1', 'hello', 'corr');
      const again = await manager.send(sessionId, 'c1', 'hello', 'corr');
      const other = await manager.send(sessionId, 'c2', 'hello', 'corr');

      expect(again.messageId).toBe(first.messageId);
      expect(other.messageId).not.toBe(first.messageId);
      expect(publisher.on(TOPICS.queries)).toHaveLength(2);
    });

    it('gives the same message id to concurrent sends of the same client message id and publishes once', async () => {
      const { manager, publisher, sessionId } = await setup();

      const results = await Promise.all([1, 2, 3].map(() => manager.send(sessionId, 'c1', 'hello', 'corr')));

      expect(new Set(results.map((r) => r.messageId)).size).toBe(1);
      expect(publisher.on(TOPICS.queries)).toHaveLength(1);
    });

    it('joins a re-send to a publish that is still in progress', async () => {
      const { manager, publisher, sessionId } = await setup();
      publisher.hold();

      const first = manager.send(sessionId, 'c1', 'hello', 'corr');
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = manager.send(sessionId, 'c1', 'hello', 'corr');
      publisher.release();

      expect((await second).messageId).toBe((await first).messageId);
      expect(publisher.on(TOPICS.queries)).toHaveLength(1);
    });

    it('lets BusyError through, forgets the attempt, and publishes on a later re-send', async () => {
      const { manager, publisher, sessionId } = await setup();
      publisher.failNext(new BusyError(TOPICS.queries));

      const err = await rejection(manager.send(sessionId, 'c1', 'hello', 'corr'));
      expect(err).toBeInstanceOf(BusyError);
      expect(err.code).toBe('BUSY');
      expect(publisher.published).toEqual([]);

      const { messageId } = await manager.send(sessionId, 'c1', 'hello', 'corr');
      expect(publisher.on(TOPICS.queries)).toHaveLength(1);
      expect(publisher.published[0].envelope.messageId).toBe(messageId);
      expect(manager.inFlightMessage(messageId)).toBeDefined();
    });

    it('attaches the newest stored turns, up to HISTORY_MAX_TURNS, skipping empty ones', async () => {
      const { manager, publisher, store, sessionId } = await setup({ HISTORY_MAX_TURNS: 2 });
      const at = new Date().toISOString();
      await store.appendMessage(sessionId, { messageId: 'm1', role: 'user', text: 'first question', createdAt: at });
      await store.appendMessage(sessionId, { messageId: 'm1', role: 'assistant', text: 'first answer', createdAt: at });
      await store.appendMessage(sessionId, { messageId: 'm2', role: 'user', text: 'second question', createdAt: at });
      // A cancelled answer before any text: nothing for the model to read.
      await store.appendMessage(sessionId, { messageId: 'm2', role: 'assistant', text: '', createdAt: at, finishReason: 'cancelled' });

      await manager.send(sessionId, 'c3', 'third question', 'corr');

      expect(queryOf(publisher).history).toEqual([
        { role: 'assistant', text: 'first answer' },
        { role: 'user', text: 'second question' },
      ]);
    });

    it('attaches no history when HISTORY_MAX_TURNS is 0', async () => {
      const { manager, publisher, store, sessionId } = await setup({ HISTORY_MAX_TURNS: 0 });
      const at = new Date().toISOString();
      await store.appendMessage(sessionId, { messageId: 'm1', role: 'user', text: 'earlier', createdAt: at });
      await store.appendMessage(sessionId, { messageId: 'm1', role: 'assistant', text: 'reply', createdAt: at });

      await manager.send(sessionId, 'c2', 'now', 'corr');

      expect(queryOf(publisher).history).toEqual([]);
    });
  });

  describe('retrieval scope', () => {
    it("sends the collections the session's user may read, asked of the resolver when the message is accepted", async () => {
      const { manager, publisher, sessionId, grants } = await setup();
      grants.grants['user-1'] = ['team-b', 'default', 'team-a'];
      await manager.send(sessionId, 'c1', 'first', 'corr-1');
      grants.grants['user-1'] = ['team-a']; // revoked in between: the next message already searches less
      await manager.send(sessionId, 'c2', 'second', 'corr-2');

      expect(grants.asked).toEqual(['user-1', 'user-1']);
      expect(queryOf(publisher, 0).scope).toEqual({ collectionIds: ['default', 'team-a', 'team-b'], excludedDocumentIds: [] });
      expect(queryOf(publisher, 1).scope).toEqual({ collectionIds: ['team-a'], excludedDocumentIds: [] });
    });

    it('narrows the scope to the collections the client asked for, silently dropping those the user may not read', async () => {
      const { manager, publisher, sessionId, grants } = await setup();
      grants.grants['user-1'] = ['default', 'team-a'];
      await manager.send(sessionId, 'c1', 'only a', 'corr-1', undefined, { collectionIds: ['team-a', 'secret'] });
      await manager.send(sessionId, 'c2', 'nothing', 'corr-2', undefined, { collectionIds: [] });
      await manager.send(sessionId, 'c3', 'not mine', 'corr-3', undefined, { collectionIds: ['secret'] });

      expect(queryOf(publisher, 0).scope.collectionIds).toEqual(['team-a']);
      expect(queryOf(publisher, 1).scope.collectionIds).toEqual([]);
      expect(queryOf(publisher, 2).scope.collectionIds).toEqual([]);
    });

    it('excludes documents being deleted or moved to another collection, whoever asks', async () => {
      const { manager, publisher, sessionId, documents } = await setup();
      await documents.put(document('doc-kept'));
      await documents.put(document('doc-going', { status: 'deleting' }));
      await documents.put(document('doc-moving', { collectionId: 'team-b', previousCollectionId: 'default', status: 'indexing' }));
      await documents.put(document('doc-new', { status: 'indexing' }));
      await manager.send(sessionId, 'c1', 'hello', 'corr-1');

      expect(queryOf(publisher).scope.excludedDocumentIds).toEqual(['doc-going', 'doc-moving']);
    });

    it('refuses with BUSY, publishing nothing, while more documents are being deleted than a scope may exclude', async () => {
      const { manager, publisher, sessionId, documents } = await setup();
      // As the registry would answer with that many documents in state deleting (writing them all would take long).
      documents.hiddenDocumentIds = async () => Array.from({ length: MAX_SCOPE_EXCLUDED_DOCUMENTS + 1 }, (_, i) => `doc-${i}`);
      const err = await rejection(manager.send(sessionId, 'c1', 'hello', 'corr-1'));
      expect(err).toMatchObject({ code: 'BUSY', details: { retryAfterMs: 2000 } });
      expect(publisher.on(TOPICS.queries)).toHaveLength(0);
    });

    it('refuses with INTERNAL, publishing nothing, when the resolver names an invalid collection', async () => {
      const { manager, publisher, sessionId, grants } = await setup();
      grants.grants['user-1'] = ['Not A Collection'];
      const err = await rejection(manager.send(sessionId, 'c1', 'hello', 'corr-1'));
      expect(err).toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('collectionIds.0') });
      expect(publisher.on(TOPICS.queries)).toHaveLength(0);
    });
  });

  describe('acknowledgement', () => {
    it("holds a message's acknowledged promise until the ack has gone out", async () => {
      const { manager, sessionId } = await setup();
      const { messageId } = await manager.send(sessionId, 'c1', 'hello', 'corr');
      let acked = false;
      void manager.inFlightMessage(messageId)!.acknowledged.then(() => (acked = true));

      await new Promise((resolve) => setImmediate(resolve));
      expect(acked).toBe(false);

      manager.acknowledged(messageId);
      await new Promise((resolve) => setImmediate(resolve));
      expect(acked).toBe(true);
    });

    it('ignores an acknowledgement for a message not in flight', async () => {
      const { manager } = await setup();
      expect(() => manager.acknowledged('unknown')).not.toThrow();
    });
  });

  describe('cancel', () => {
    it('publishes a cancel to chat.control for a message in flight', async () => {
      const { manager, publisher, sessionId } = await setup();
      const { messageId } = await manager.send(sessionId, 'c1', 'hello', 'corr-send');

      expect(await manager.cancel(sessionId, messageId, 'corr-cancel')).toBe(true);

      const control = publisher.on(TOPICS.control);
      expect(control).toHaveLength(1);
      expect(control[0].envelope).toMatchObject({ sessionId, messageId, correlationId: 'corr-cancel', payload: { type: 'cancel' } });
    });

    it('returns false and publishes nothing for a message that already finished', async () => {
      const { manager, publisher, sessionId } = await setup();
      const { messageId } = await manager.send(sessionId, 'c1', 'hello', 'corr');
      await manager.recordUserTurn(sessionId, messageId, 'hello', new Date().toISOString());
      await manager.finish(sessionId, messageId, { text: 'hi there', finishReason: 'stop', citations: [] });

      expect(manager.inFlightMessage(messageId)).toBeUndefined();
      expect(await manager.cancel(sessionId, messageId, 'corr')).toBe(false);
      expect(publisher.on(TOPICS.control)).toEqual([]);
    });

    it('refuses an unknown message id with UNKNOWN_MESSAGE', async () => {
      const { manager, sessionId } = await setup();
      expect((await rejection(manager.cancel(sessionId, 'no-such-message', 'corr'))).code).toBe('UNKNOWN_MESSAGE');
    });

    it("refuses to cancel another session's message in flight", async () => {
      const { manager, publisher, sessionId } = await setup();
      const other = await manager.createSession('user-2');
      const { messageId } = await manager.send(other.sessionId, 'c1', 'hello', 'corr');

      expect((await rejection(manager.cancel(sessionId, messageId, 'corr'))).code).toBe('UNKNOWN_MESSAGE');
      expect(publisher.on(TOPICS.control)).toEqual([]);
    });
  });

  describe('history and finishing', () => {
    it('returns the stored turns without absent optional fields', async () => {
      const { manager, sessionId } = await setup();
      const { messageId } = await manager.send(sessionId, 'c1', 'hello', 'corr');
      await manager.recordUserTurn(sessionId, messageId, 'hello', '2024-01-01T00:00:00.000Z');
      await manager.finish(sessionId, messageId, { text: 'hi', finishReason: 'stop' });

      const history = await manager.history(sessionId);

      expect(history).toHaveLength(2);
      expect(history[0]).toEqual({ messageId, role: 'user', text: 'hello', createdAt: '2024-01-01T00:00:00.000Z' });
      expect(history[1]).toMatchObject({ messageId, role: 'assistant', text: 'hi', finishReason: 'stop' });
      expect('citations' in history[1]).toBe(false);
    });

    it('stops tracking a message finished without an answer and stores nothing for it', async () => {
      const { manager, sessionId } = await setup();
      const { messageId } = await manager.send(sessionId, 'c1', 'hello', 'corr');

      await manager.finish(sessionId, messageId);

      expect(manager.inFlightMessage(messageId)).toBeUndefined();
      expect(await manager.history(sessionId)).toEqual([]);
    });
  });

  describe('deleting a session', () => {
    it('forgets the history, cancels answers in flight and refuses the session afterwards', async () => {
      const { manager, publisher, sessionId } = await setup();
      const { messageId } = await manager.send(sessionId, 'c1', 'hello', 'corr');

      await manager.deleteSession(sessionId, 'corr-delete');

      expect(publisher.on(TOPICS.control).map((p) => [p.envelope.messageId, p.envelope.payload])).toEqual([[messageId, { type: 'cancel' }]]);
      expect(manager.inFlightMessage(messageId)).toBeUndefined();
      expect((await rejection(manager.authorize(sessionId, sessionId))).code).toBe('UNKNOWN_SESSION');
      expect((await rejection(manager.deleteSession(sessionId, 'corr'))).code).toBe('UNKNOWN_SESSION');
    });

    it('ends the audit of an answer in flight as session-deleted, once', async () => {
      const { manager, sessionId, interactions } = await setup();
      const { messageId } = await manager.send(sessionId, 'c1', 'hello', 'corr');
      expect(interactions.isOpen(messageId)).toBe(true);

      await manager.deleteSession(sessionId, 'corr-delete');

      expect(interactions.isOpen(messageId)).toBe(false);
      expect(await interactions.ended(messageId, { outcome: 'answered' })).toBe(false); // a late answer records nothing more
    });

    it.each([
      [false, undefined],
      [true, 'what is Relay?'],
    ])('with AUDIT_MESSAGE_TEXT=%s, the audit entry names the user and holds the text only when allowed', async (keep, text) => {
      const { manager, sessionId, interactions, audit } = await setup({ AUDIT_MESSAGE_TEXT: keep });
      const { messageId } = await manager.send(sessionId, 'c1', 'what is Relay?', 'corr');
      await interactions.ended(messageId, { outcome: 'answered' });
      await audit.flush();
      const [entry] = readFileSync(audit.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(entry).toMatchObject({ kind: 'interaction', userId: 'user-1', messageId, outcome: 'answered' });
      expect(entry.text).toBe(text);
    });

    it('keeps the details and errors of answers in the history', async () => {
      const { manager, sessionId } = await setup();
      const { messageId: answered } = await manager.send(sessionId, 'c1', 'hello', 'corr');
      const { messageId: failed } = await manager.send(sessionId, 'c2', 'again', 'corr');
      const details = {
        moderation: { action: 'none' as const },
        usage: { promptTokens: 10, completionTokens: 2 },
        model: 'm',
        timings: { stages: [], firstTokenMs: 5, totalMs: 9 },
      };
      await manager.finish(sessionId, answered, { text: 'hi', finishReason: 'stop', citations: [], details });
      await manager.finish(sessionId, failed, { text: '', error: { code: 'PIPELINE_FAILED', message: 'it failed' } });

      expect(await manager.history(sessionId)).toEqual([
        expect.objectContaining({ messageId: answered, role: 'assistant', text: 'hi', details }),
        expect.objectContaining({ messageId: failed, role: 'assistant', text: '', error: { code: 'PIPELINE_FAILED', message: 'it failed' } }),
      ]);
    });
  });
});
