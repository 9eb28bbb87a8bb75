/** A word of the answer as the repetition guard compares it: lower-case letters and digits, and where it stands. */
export interface IndexedWord {
  word: string;
  offset: number;
  end: number;
}

/**
 * The answer's finished words, indexed as they arrive so the guard's two questions cost about the number of earlier
 * occurrences of the last word, not the length of the answer:
 * - how long is the longest tail of the words that also occurs starting earlier (the last word may be cut, so it
 *   matches any word it begins)?
 * - where do the last n words occur?
 * For each earlier word it keeps how many words before it match the words before the newest one (the common
 * suffix of the two word sequences ending there); appending a word extends those runs where the words agree.
 * Recomputing this from the whole text on every token made a long sentence cost the cube of its length.
 */
export class WordRepeats {
  readonly words: IndexedWord[] = [];
  private readonly positions = new Map<string, number[]>();
  /** For every earlier index x: how many words end at x that equal the words ending at the newest one (0 left out). */
  private runs = new Map<number, number>();
  /** The same for the word before the newest one. */
  private previousRuns = new Map<number, number>();

  get length(): number {
    return this.words.length;
  }

  /** Adds a finished word (one that can no longer grow). */
  append(word: IndexedWord): void {
    const index = this.words.length;
    const earlier = this.positions.get(word.word);
    const runs = new Map<number, number>();
    for (const x of earlier ?? []) runs.set(x, (this.runs.get(x - 1) ?? 0) + 1);
    this.previousRuns = this.runs;
    this.runs = runs;
    if (earlier) earlier.push(index);
    else this.positions.set(word.word, [index]);
    this.words.push(word);
  }

  /**
   * The longest tail of the finished words followed by `last` (when given: a word still being written; otherwise the
   * newest finished word is the last one) that also occurs starting at an earlier word, with the last word matching
   * any word it begins. 0 when not even the last word occurs earlier.
   */
  longestRepeatedTail(last?: string): number {
    const { word, runsBefore, limit } = this.lastWord(last);
    if (word === undefined) return 0;
    let longest = 0;
    for (let e = 0; e < limit; e++) {
      if (this.words[e].word.startsWith(word)) longest = Math.max(longest, 1 + (runsBefore.get(e - 1) ?? 0));
    }
    return longest;
  }

  /**
   * The word indices where the last `n` words (exactly, `last` included when given) start, in order, overlapping
   * occurrences left out from the left as a reader would count them.
   */
  occurrencesOfTail(n: number, last?: string): number[] {
    const { word, runsBefore, limit } = this.lastWord(last);
    if (word === undefined) return [];
    const total = limit + 1;
    if (total < n) return [];
    const ends: number[] = [];
    for (const e of this.positions.get(word) ?? []) {
      if (e < limit && 1 + (runsBefore.get(e - 1) ?? 0) >= n) ends.push(e);
    }
    ends.push(limit); // the tail itself
    const starts: number[] = [];
    for (const e of ends) {
      const start = e - n + 1;
      if (starts.length === 0 || start >= starts[starts.length - 1] + n) starts.push(start);
    }
    return starts;
  }

  /** The last word, the runs of the words before it, and how many words come before it. */
  private lastWord(last?: string): { word: string | undefined; runsBefore: Map<number, number>; limit: number } {
    if (last !== undefined) return { word: last, runsBefore: this.runs, limit: this.words.length };
    const limit = this.words.length - 1;
    return { word: this.words[limit]?.word, runsBefore: this.previousRuns, limit };
  }
}
