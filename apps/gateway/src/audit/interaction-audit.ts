import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { AUDIT_TRAIL, type AuditEntry, type AuditTrail } from '@relay/audit-trail';
import type { AuditRecord } from '@relay/observability';
import { INTERACTION_JOURNAL_DIR } from './interaction-audit.tokens';
import { InteractionJournal, type OpenInteraction } from './interaction-journal';
import { SHARED_INTERACTIONS, type SharedInteractions } from './shared-interactions.port';

type InteractionRecord = Extract<AuditRecord, { kind: 'interaction' }>;
type Ending = Omit<InteractionRecord, 'kind' | 'sessionId' | 'messageId' | 'correlationId' | 'userId'>;
type Moderation = NonNullable<InteractionRecord['moderation']>;

/** How often the gateway looks for journals of dead gateway processes (or, shared, for interactions that never ended). */
const TAKE_OVER_EVERY_MS = 60_000;
/** Shared (STORE=postgres): an interaction open this long has lost its answer; any replica records it interrupted. */
const SHARED_ANSWER_DEADLINE_MS = 10 * 60_000;
/** Moderation verdicts kept until their message ends (bounded: a replica also hears of messages another one ends). */
const MAX_MODERATIONS = 10_000;

/**
 * Every message this gateway accepts ends with exactly one `interaction` entry in the audit trail:
 * - answered, failed or dead-lettered: written when that happens, by this gateway (the one that accepted it);
 * - its session deleted mid-answer: `session-deleted`, at the deletion (nothing is delivered after it);
 * - this gateway stopping (SIGTERM) before the end: `interrupted` (reason `gateway-stopped`);
 * - this gateway dying (kill -9, power loss): `interrupted` (reason `gateway-restarted`), written by the next gateway
 *   process on the same data folder, which finds the dead process's journal (InteractionJournal).
 * A message counts as accepted once its journal line is on disk, which happens before it is published; the first
 * ending recorded for it wins and any later one is ignored.
 *
 * With a shared store (STORE=postgres) the journal is a table every replica sees (SharedInteractions): any replica
 * that sees a message end claims it there, and only the one whose claim succeeds records it, in the same transaction
 * and in the shared audit table, so an answer finished after the accepting gateway died is recorded `answered`,
 * once, and no replica's death between the claim and the record loses it. A stopping gateway leaves its open
 * messages to the others; one open longer than 10 minutes is recorded `interrupted` (reason `no-ending`) by
 * whichever replica looks first.
 */
@Injectable()
export class InteractionAudit implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('InteractionAudit');
  private readonly open = new Map<string, OpenInteraction>();
  private readonly moderations = new Map<string, Moderation>();
  private readonly journal: InteractionJournal;
  private started?: Promise<void>;
  private sweep?: NodeJS.Timeout;

  constructor(
    @Inject(AUDIT_TRAIL) private readonly audit: AuditTrail,
    @Inject(INTERACTION_JOURNAL_DIR) journalDir: string,
    @Optional() @Inject(SHARED_INTERACTIONS) private readonly shared?: SharedInteractions,
  ) {
    this.journal = new InteractionJournal(journalDir);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.shared) await this.start();
    await this.takeOverAbandoned();
    this.sweep = setInterval(() => void this.takeOverAbandoned(), TAKE_OVER_EVERY_MS);
    this.sweep.unref();
  }

  /** The message is accepted: durably noted before the caller publishes it. */
  async accepted(interaction: OpenInteraction): Promise<void> {
    if (this.shared) {
      await this.shared.open(interaction);
      this.open.set(interaction.messageId, interaction);
      return;
    }
    await this.start();
    this.open.set(interaction.messageId, interaction);
    await this.journal.opened(interaction);
  }

  /** It was not published after all (the queue was full): it never entered the pipeline, so it gets no record. */
  withdrawn(messageId: string): void {
    if (this.shared) {
      this.open.delete(messageId);
      void this.shared.withdraw(messageId).catch((err: Error) => this.logger.error({ msg: 'could not withdraw an interaction', err: err.message }));
      return;
    }
    if (this.open.delete(messageId)) this.journal.closed(messageId, this.open.size === 0);
  }

  /** What the profanity filter did to the message's text (every replica hears it), for its record. */
  moderated(messageId: string, moderation: Moderation): void {
    this.moderations.set(messageId, moderation);
    if (this.moderations.size > MAX_MODERATIONS) this.moderations.delete(this.moderations.keys().next().value!);
  }

  /** Whether this gateway accepted the message and it has not ended yet. */
  isOpen(messageId: string): boolean {
    return this.open.has(messageId);
  }

  /**
   * Records how the message ended, if this gateway owes its record; false when it was not open here (shared: when
   * another replica recorded it first).
   */
  async ended(messageId: string, ending: Ending): Promise<boolean> {
    const moderation = ending.moderation ?? (ending.outcome === 'error:PROFANITY' ? 'rejected' : this.moderations.get(messageId));
    this.moderations.delete(messageId);
    const record = (i: OpenInteraction): InteractionRecord => ({
      kind: 'interaction',
      ...(i.userId !== undefined ? { userId: i.userId } : {}),
      sessionId: i.sessionId,
      messageId,
      correlationId: i.correlationId,
      ...ending,
      ...(moderation ? { moderation } : {}),
      ...(i.text !== undefined ? { text: i.text } : {}),
    });
    if (this.shared) {
      this.open.delete(messageId);
      return (await this.shared.claim(messageId, ending.outcome, (i): AuditEntry => ({ at: new Date().toISOString(), ...record(i) }))) !== undefined;
    }
    const interaction = this.open.get(messageId);
    if (!interaction) return false;
    this.open.delete(messageId);
    this.audit.record(record(interaction));
    this.journal.closed(messageId, this.open.size === 0);
    return true;
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweep);
    if (this.shared) {
      // The other replicas see these answers end and record them.
      await this.audit.flush();
      return;
    }
    for (const messageId of [...this.open.keys()]) await this.ended(messageId, { outcome: 'interrupted', reason: 'gateway-stopped' });
    // On disk before the journal goes: with the journal gone, nothing else would write them.
    if (await this.audit.flush()) await this.journal.stop();
  }

  private async endOverdue(shared: SharedInteractions): Promise<void> {
    try {
      for (const messageId of await shared.openSince(SHARED_ANSWER_DEADLINE_MS)) await this.ended(messageId, { outcome: 'interrupted', reason: 'no-ending' });
    } catch (err) {
      this.logger.error({ msg: 'could not end overdue interactions', err: (err as Error).message });
    }
  }

  private start(): Promise<void> {
    this.started ??= this.journal.start();
    return this.started;
  }

  private async takeOverAbandoned(): Promise<void> {
    if (this.shared) return this.endOverdue(this.shared);
    try {
      for (const { claimed, open } of await this.journal.takeOverAbandoned()) {
        for (const i of open) {
          this.audit.record({
            kind: 'interaction',
            ...(i.userId !== undefined ? { userId: i.userId } : {}),
            sessionId: i.sessionId,
            messageId: i.messageId,
            correlationId: i.correlationId,
            outcome: 'interrupted',
            reason: 'gateway-restarted',
            ...(i.text !== undefined ? { text: i.text } : {}),
          });
        }
        if (!(await this.audit.flush())) continue; // not on disk: keep the journal, try again on the next sweep
        await this.journal.release(claimed);
        if (open.length) this.logger.warn({ msg: 'closed the interactions of a gateway that stopped without closing them', interrupted: open.length });
      }
    } catch (err) {
      this.logger.error({ msg: 'could not take over abandoned interaction journals', err: (err as Error).message });
    }
  }
}
