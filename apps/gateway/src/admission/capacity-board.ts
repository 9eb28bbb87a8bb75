import type { WorkerCapacity } from '@relay/contracts';
import type { WorkerLoad } from './admission-estimate';

/** A report older than this many of its worker's report intervals means the worker is gone (or stuck): dropped. */
export const STALE_AFTER_REPORTS = 3;

interface Entry {
  report: WorkerCapacity;
  receivedAt: number;
}

/**
 * The latest capacity report of each LLM worker, as this gateway received them (llm.capacity reaches every gateway).
 * Live workers are those whose latest report is fresh; times are this gateway's clock, so no clocks are compared
 * across machines.
 */
export class CapacityBoard {
  private readonly latest = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  record(report: WorkerCapacity): void {
    this.latest.set(report.workerId, { report, receivedAt: this.now() });
  }

  /** The live workers' loads, and when the oldest of their reports arrived (what reached a worker after it may be missing from them). */
  live(): { workers: WorkerLoad[]; oldestReportAt: number } {
    const now = this.now();
    const workers: WorkerLoad[] = [];
    let oldestReportAt = now;
    for (const [workerId, { report, receivedAt }] of this.latest) {
      if (now - receivedAt > STALE_AFTER_REPORTS * report.intervalMs) {
        this.latest.delete(workerId);
        continue;
      }
      workers.push({ parallelism: report.parallelism, running: report.running, queued: report.queued, serviceMs: report.serviceMs });
      oldestReportAt = Math.min(oldestReportAt, receivedAt);
    }
    return { workers, oldestReportAt };
  }
}
