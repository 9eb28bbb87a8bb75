import type { AuditEntry, AuditTrail } from '@relay/audit-trail';
import type { AuditRecord } from '@relay/observability';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InteractionAudit } from './interaction-audit';
import type { OpenInteraction } from './interaction-journal';
import type { SharedInteractions } from './shared-interactions.port';

class RecordingTrail {
  readonly records: AuditRecord[] = [];
  record(entry: AuditRecord): void {
    this.records.push(entry);
  }
  async flush(): Promise<boolean> {
    return true;
  }
}

/** The shared table in memory: the first claim of an open interaction wins and keeps the record it was given. */
class InMemorySharedInteractions implements SharedInteractions {
  readonly rows = new Map<string, { interaction: OpenInteraction; ended?: AuditEntry }>();
  async open(i: OpenInteraction): Promise<void> {
    if (!this.rows.has(i.messageId)) this.rows.set(i.messageId, { interaction: i });
  }
  async withdraw(messageId: string): Promise<void> {
    this.rows.delete(messageId);
  }
  async claim(messageId: string, _outcome: string, record: (i: OpenInteraction) => AuditEntry): Promise<AuditEntry | undefined> {
    const row = this.rows.get(messageId);
    if (!row || row.ended) return undefined;
    row.ended = record(row.interaction);
    return row.ended;
  }
  async openSince(): Promise<string[]> {
    return [];
  }
}

const interaction = { messageId: 'm1', sessionId: 's1', correlationId: 'c1', userId: 'ann' };

function setup(shared?: SharedInteractions) {
  const trail = new RecordingTrail();
  const sut = new InteractionAudit(trail as unknown as AuditTrail, join(mkdtempSync(join(tmpdir(), 'relay-interaction-audit-')), 'open'), shared);
  return { sut, trail };
}

describe('InteractionAudit', () => {
  it('records who asked and what the filter did, with how the answer ended (one gateway)', async () => {
    const { sut, trail } = setup();
    await sut.accepted(interaction);
    sut.moderated('m1', 'masked');
    expect(await sut.ended('m1', { outcome: 'answered', completionTokens: 9, citedDocuments: ['d1'] })).toBe(true);
    expect(await sut.ended('m1', { outcome: 'interrupted' })).toBe(false);
    expect(trail.records).toEqual([{ kind: 'interaction', userId: 'ann', sessionId: 's1', messageId: 'm1', correlationId: 'c1', outcome: 'answered', completionTokens: 9, citedDocuments: ['d1'], moderation: 'masked' }]);
    await sut.onModuleDestroy();
  });

  it('with a shared store, any replica ends an interaction another accepted, once, with the record in the claim', async () => {
    const shared = new InMemorySharedInteractions();
    const accepting = setup(shared);
    const other = setup(shared);
    await accepting.sut.accepted(interaction);
    // The accepting replica is gone; another heard the filter's verdict and the end of the answer.
    other.sut.moderated('m1', 'none');
    expect(await other.sut.ended('m1', { outcome: 'answered' })).toBe(true);
    expect(await accepting.sut.ended('m1', { outcome: 'answered' })).toBe(false);
    expect(shared.rows.get('m1')!.ended).toEqual({ at: expect.any(String), kind: 'interaction', userId: 'ann', sessionId: 's1', messageId: 'm1', correlationId: 'c1', outcome: 'answered', moderation: 'none' });
    // Written by the claim, not queued on the side where a dying replica would lose it.
    expect(other.trail.records).toEqual([]);
  });

  it('records a message the filter rejected as moderation rejected', async () => {
    const { sut, trail } = setup();
    await sut.accepted(interaction);
    await sut.ended('m1', { outcome: 'error:PROFANITY' });
    expect(trail.records[0]).toMatchObject({ outcome: 'error:PROFANITY', moderation: 'rejected' });
    await sut.onModuleDestroy();
  });
});
