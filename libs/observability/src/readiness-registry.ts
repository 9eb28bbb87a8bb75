import { Injectable } from '@nestjs/common';

export interface ReadinessCheck {
  /** Name shown by GET /health/ready, e.g. "llm" or "vector-store". */
  name: string;
  check(): { ready: boolean; details?: Record<string, unknown> };
}

/**
 * Where each component says whether it can serve. Ports and transports register here; the health endpoint of
 * whichever app hosts them reads it. In the embedded default all three apps share one registry.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(check: ReadinessCheck): void {
    this.checks.set(check.name, check);
  }

  report(): Array<{ name: string; ready: boolean; details?: Record<string, unknown> }> {
    return [...this.checks.values()].map((c) => {
      try {
        return { name: c.name, ...c.check() };
      } catch (err) {
        return { name: c.name, ready: false, details: { error: (err as Error).message } };
      }
    });
  }
}
