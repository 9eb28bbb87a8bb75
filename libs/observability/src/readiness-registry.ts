import { FactoryProvider, Injectable } from '@nestjs/common';

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

/**
 * A provider that registers one readiness check for the thing behind `token` at start-up, so a port's module
 * reports its adapter's state in one line: `readinessOf(LLM, 'llm', (llm) => ({ ready: llm.isReady() }))`.
 */
export function readinessOf<T>(token: symbol, name: string, check: (target: T) => ReturnType<ReadinessCheck['check']>): FactoryProvider {
  return {
    provide: Symbol(`readiness:${name}`),
    inject: [token, ReadinessRegistry],
    useFactory: (target: T, registry: ReadinessRegistry) => registry.register({ name, check: () => check(target) }),
  };
}
