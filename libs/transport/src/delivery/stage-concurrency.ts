/**
 * How many records of different keys a stage handles at once in one process (a key's own records always one at a
 * time, in order). `stages` overrides the default for a stage by its name (the `stage` of its `@EventPattern`).
 */
export interface StageConcurrency {
  default: number;
  stages?: Readonly<Record<string, number>>;
}

export function concurrencyOf(concurrency: StageConcurrency, stage: string): number {
  return concurrency.stages?.[stage] ?? concurrency.default;
}
