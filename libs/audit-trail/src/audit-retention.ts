import { Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { AuditTrail } from './audit-trail.port';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How often old entries are removed: hourly is plenty for a limit counted in days. */
export const AUDIT_PRUNE_EVERY_MS = 60 * 60 * 1000;

/**
 * Enforces AUDIT_RETENTION_DAYS: at start-up and every hour, removes the audit entries older than that many days
 * and logs how many went. 0 keeps everything. With a shared store every replica prunes; the deletes are idempotent.
 */
export class AuditRetention implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('AuditRetention');
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly trail: AuditTrail,
    private readonly retentionDays: number,
    private readonly now: () => number = Date.now,
  ) {}

  onApplicationBootstrap(): void {
    if (this.retentionDays === 0) return;
    void this.prune();
    this.timer = setInterval(() => void this.prune(), AUDIT_PRUNE_EVERY_MS);
    this.timer.unref();
  }

  /** Removes what is past retention now; how many entries went (0 when a prune failed: logged, tried again next hour). */
  prune(): Promise<number> {
    if (this.retentionDays === 0) return Promise.resolve(0);
    this.running ??= (async () => {
      const before = new Date(this.now() - this.retentionDays * DAY_MS);
      try {
        const removed = await this.trail.prune(before);
        this.logger.log({ msg: 'audit trail pruned', removed, olderThan: before.toISOString(), retentionDays: this.retentionDays });
        return removed;
      } catch (err) {
        this.logger.error({ msg: 'audit trail pruning failed', err: (err as Error).message });
        return 0;
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
