/**
 * The context's sequences, idle or in use. A sequence keeps the tokens it last evaluated (its KV cache), so a new
 * prompt goes to the idle sequence whose cached tokens share the longest prefix with it: the shared system prompt,
 * or the same session's earlier turns, is then not evaluated again. Ties go to the sequence idle the longest, so the
 * caches used most recently (a conversation that is likely to continue) are overwritten last.
 */
export class SequencePool<S> {
  private readonly idle: Array<{ slot: S; since: number }> = [];
  private readonly waiting: Array<{ prompt: readonly number[]; resolve: (lease: SequenceLease<S>) => void }> = [];
  private clock = 0;

  constructor(
    slots: readonly S[],
    private readonly cachedTokensOf: (slot: S) => readonly number[],
  ) {
    for (const slot of slots) this.idle.push({ slot, since: this.clock++ });
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /** The best idle sequence for `prompt`, or, when none is idle, the first one released (first come, first served). */
  acquire(prompt: readonly number[]): Promise<SequenceLease<S>> {
    const lease = this.take(prompt);
    if (lease) return Promise.resolve(lease);
    return new Promise((resolve) => this.waiting.push({ prompt, resolve }));
  }

  release(slot: S): void {
    this.idle.push({ slot, since: this.clock++ });
    const next = this.waiting.shift();
    if (next) next.resolve(this.take(next.prompt)!);
  }

  private take(prompt: readonly number[]): SequenceLease<S> | undefined {
    let best = -1;
    let bestShared = -1;
    for (let i = 0; i < this.idle.length; i++) {
      const shared = commonPrefixLength(this.cachedTokensOf(this.idle[i].slot), prompt);
      if (shared > bestShared || (shared === bestShared && this.idle[i].since < this.idle[best].since)) {
        best = i;
        bestShared = shared;
      }
    }
    if (best < 0) return undefined;
    const [{ slot }] = this.idle.splice(best, 1);
    return { slot, cachedPrefix: bestShared };
  }
}

export interface SequenceLease<S> {
  slot: S;
  /** Prompt tokens already in this sequence's cache: evaluation starts after them. */
  cachedPrefix: number;
}

export function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
