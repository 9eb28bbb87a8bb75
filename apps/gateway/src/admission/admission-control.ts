import { Inject, Injectable, Logger } from '@nestjs/common';
import { nowMs, RelayError } from '@relay/contracts';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { estimateWait } from './admission-estimate';
import { CapacityBoard } from './capacity-board';

/**
 * Admission by estimate: a chat that the LLM workers, at their measured pace, could not answer before its deadline
 * is refused at once with BUSY, how long it would wait and when to try again, instead of being accepted into a queue
 * it would leave only as EXPIRED. With no live worker report (none running, or a model still loading) nothing is
 * refused by estimate.
 */
@Injectable()
export class AdmissionControl {
  private readonly logger = new Logger('AdmissionControl');
  private lastWarningAt = -Infinity;
  private refusedSinceWarning = 0;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'ADMISSION_ESTIMATE' | 'ADMISSION_MARGIN' | 'ANSWER_DEADLINE_MS'>,
    private readonly board: CapacityBoard,
  ) {}

  /**
   * Throws BUSY if a chat accepted now would not be answered in time. `pendingSince(t)`: the chats this gateway
   * accepted that had reached no worker by time t (the workers' reports from before t do not count them).
   */
  admit(pendingSince: (t: number) => number): void {
    if (!this.config.ADMISSION_ESTIMATE) return;
    const { workers, oldestReportAt } = this.board.live();
    const estimate = estimateWait(workers, pendingSince(oldestReportAt));
    if (!estimate) return;
    const budgetMs = this.config.ANSWER_DEADLINE_MS * (1 - this.config.ADMISSION_MARGIN);
    if (estimate.estimatedWaitMs <= budgetMs) return;
    // Until enough of the backlog has gone that a new chat would fit in the budget.
    const retryAfterMs = Math.round(Math.min(this.config.ANSWER_DEADLINE_MS, Math.max(1000, estimate.estimatedWaitMs - budgetMs)));
    this.refusedSinceWarning++;
    const now = nowMs();
    // One line per few seconds of overload, not one per refused chat (each refusal is counted in relay_gateway_refusals_total).
    if (now - this.lastWarningAt >= WARN_EVERY_MS) {
      this.logger.warn({ msg: 'chats refused by estimate', refused: this.refusedSinceWarning, ...estimate, budgetMs: Math.round(budgetMs) });
      this.lastWarningAt = now;
      this.refusedSinceWarning = 0;
    }
    throw new RelayError(
      'BUSY',
      `Relay is busy: a new message would wait about ${inWords(estimate.estimatedWaitMs)} for its answer, longer than the ${inWords(budgetMs)} it may take. Try again in about ${inWords(retryAfterMs)}.`,
      { retryAfterMs, estimatedWaitMs: estimate.estimatedWaitMs, reason: 'admission-estimate' },
    );
  }
}

const WARN_EVERY_MS = 5_000;

/** 42 s, 3 min: rounded to what a person reads. */
export function inWords(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

/** The clock CapacityBoard and the pending counts share (this process's, in ms). */
export const admissionClock = (): number => nowMs();
