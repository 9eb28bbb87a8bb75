import { TOPICS, type WorkerCapacity } from '@relay/contracts';
import { FileAuditTrail } from '@relay/audit-trail';
import { AuditLog } from '@relay/observability';
import { InMemorySessionStore, RecordingTopicPublisher } from '@relay/testing';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RetrievalScopeResolver } from '../access/retrieval-scope.port';
import { RetrievalScopeService } from '../access/retrieval-scope.service';
import { AdmissionControl } from '../admission/admission-control';
import { CapacityBoard } from '../admission/capacity-board';
import { InteractionAudit } from '../audit/interaction-audit';
import { FileDocumentRegistry } from '../documents/file-document-registry';
import { gatewayConfigSchema } from '../gateway.config';
import { SessionManager } from './session-manager';

// SessionManager with admission by estimate and the client-gone cancel: what it publishes, counts and audits.
const config = { ...gatewayConfigSchema.parse({ AUTH_SECRET: 'x'.repeat(32) }), ANSWER_DEADLINE_MS: 10_000, ADMISSION_MARGIN: 0.2 };
const everything: RetrievalScopeResolver = { scopeFor: async () => ({ collectionIds: ['default'] }) };

async function setup() {
  const clock = { now: 1_000 };
  const board = new CapacityBoard(() => clock.now);
  const publisher = new RecordingTopicPublisher();
  const dir = mkdtempSync(join(tmpdir(), 'relay-session-admission-'));
  const auditPath = join(dir, 'audit.jsonl');
  const audit = new AuditLog(auditPath);
  const interactions = new InteractionAudit(new FileAuditTrail(audit), join(dir, 'open'));
  const scopes = new RetrievalScopeService(everything, new FileDocumentRegistry(join(dir, 'documents.json')));
  const manager = new SessionManager(new InMemorySessionStore(), publisher, config, interactions, scopes, undefined, false, new AdmissionControl(config, board));
  const { sessionId } = await manager.createSession('user-1');
  return { manager, board, publisher, sessionId, auditPath, audit };
}

// One worker, 2 slots, 1 s an answer (2 answers/s), idle: a chat waits 1 s + (ahead − 1) / 2 s; the budget is 8 s.
const idleWorker: WorkerCapacity = { type: 'capacity', workerId: 'w1', model: 'm', parallelism: 2, running: 0, queued: 0, serviceMs: 1000, intervalMs: 1_000_000 };

describe('SessionManager with admission by estimate', () => {
  it('counts a burst of sends one by one: accepts those that fit in the budget and refuses the rest with BUSY, publishing nothing for them', async () => {
    const { manager, board, publisher, sessionId } = await setup();
    board.record(idleWorker);
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => manager.send(sessionId, `c${i}`, `question ${i}`, `corr-${i}`)));
    const accepted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    // With k pending a new chat waits (k − 1) / 2 s + 1 s: it fits in 8 s while k ≤ 15, so 16 are accepted and the
    // 17th, behind 16, would wait 8.5 s.
    expect(accepted).toHaveLength(16);
    expect(refused.map((r) => r.reason.code)).toEqual(Array(4).fill('BUSY'));
    expect(refused[0].reason.details).toMatchObject({ estimatedWaitMs: 8500, retryAfterMs: 1000 });
    expect(publisher.on(TOPICS.queries)).toHaveLength(16);
    expect(manager.inFlightCount).toBe(16);
  });

  it('stops counting a chat as its own once a worker has said it has it and a later report includes it', async () => {
    const { manager, board, sessionId } = await setup();
    board.record(idleWorker);
    const { messageId } = await manager.send(sessionId, 'c1', 'question', 'corr');
    expect(manager.notAtWorkerSince(1_000)).toBe(1);
    manager.reachedWorker(messageId);
    // It reached the worker after the report it was compared with: still counted (that report cannot include it).
    expect(manager.notAtWorkerSince(0)).toBe(1);
    expect(manager.notAtWorkerSince(Number.MAX_SAFE_INTEGER)).toBe(0);
  });

  it('cancels the unfinished answers of a chat whose client is gone, once each, and audits them abandoned', async () => {
    const { manager, publisher, sessionId, auditPath, audit } = await setup();
    const { messageId } = await manager.send(sessionId, 'c1', 'question', 'corr');
    expect(await manager.abandon(sessionId)).toBe(1);
    expect(await manager.abandon(sessionId)).toBe(0);
    expect(publisher.on(TOPICS.control).map((r) => [r.envelope.messageId, r.envelope.payload])).toEqual([[messageId, { type: 'cancel' }]]);
    await audit.flush();
    const records = readFileSync(auditPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toContainEqual(expect.objectContaining({ kind: 'interaction', messageId, outcome: 'abandoned', reason: 'client-gone' }));
  });
});
