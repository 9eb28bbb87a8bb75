/**
 * The context's sequences, idle or in use. A sequence keeps the tokens it last evaluated (its KV cache).
 * - `longest-prefix`: a new prompt goes to the idle sequence whose cached tokens share the longest prefix with it (the
 *   shared system prompt, or the same session's earlier turns, is then not evaluated again); ties go to the one idle
 *   the longest, so the caches used most recently (a conversation likely to continue) are overwritten last.
 * - `lowest-first`: the idle sequence with the lowest number, so the busy ones stay next to each other (llama.cpp
 *   computes a decode step in one pass only over sequences numbered one after another; see planDecodeStep). For
 *   when a longer cached prefix held elsewhere can be copied over instead (NodeLlamaCppLlm.borrowPrefix).
 */
export class SequencePool<S> {
  private readonly idle: Array<{ slot: S; since: number; number: number }> = [];
  private readonly waiting: Array<{ prompt: readonly number[]; resolve: (lease: SequenceLease<S>) => void }> = [];
  private readonly numbers = new Map<S, number>();
  private clock = 0;

  constructor(
    slots: readonly S[],
    private readonly cachedTokensOf: (slot: S) => readonly number[],
    private readonly choice: 'longest-prefix' | 'lowest-first' = 'longest-prefix',
  ) {
    slots.forEach((slot, number) => {
      this.numbers.set(slot, number);
      this.idle.push({ slot, since: this.clock++, number });
    });
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
    this.idle.push({ slot, since: this.clock++, number: this.numbers.get(slot)! });
    const next = this.waiting.shift();
    if (next) next.resolve(this.take(next.prompt)!);
  }

  private take(prompt: readonly number[]): SequenceLease<S> | undefined {
    let best = -1;
    let bestShared = -1;
    for (let i = 0; i < this.idle.length; i++) {
      const shared = commonPrefixLength(this.cachedTokensOf(this.idle[i].slot), prompt);
      const better =
        this.choice === 'lowest-first'
          ? best < 0 || this.idle[i].number < this.idle[best].number
          : shared > bestShared || (shared === bestShared && this.idle[i].since < this.idle[best].since);
      if (better) {
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
