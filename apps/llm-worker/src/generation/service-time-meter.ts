/**
 * The measured time one answer takes from leaving the queue to its last token, as an exponentially weighted moving
 * average: recent answers weigh most, so the figure follows a change of load or prompt length within a few answers.
 * Answers that never called the model (cancelled or expired while waiting) are not measured.
 */
export class ServiceTimeMeter {
  private average: number | null = null;

  /** `weight`: how much the newest answer counts (0–1). */
  constructor(private readonly weight = 0.2) {}

  record(serviceMs: number): void {
    if (!(serviceMs > 0) || !Number.isFinite(serviceMs)) return;
    this.average = this.average === null ? serviceMs : this.average + this.weight * (serviceMs - this.average);
  }

  /** Null until an answer finished. */
  get serviceMs(): number | null {
    return this.average;
  }
}
