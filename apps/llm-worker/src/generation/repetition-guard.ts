import { splitSentences } from '@relay/retrieval';

export interface RepetitionGuardOptions {
  /** A finished sentence of at least this many words that equals an earlier one is a repetition. */
  minRepeatedSentenceWords: number;
  /** A finished sentence of at least this many words found word for word inside the earlier text is a repetition. */
  minContainedSentenceWords: number;
  /** Length of the word run that the loop check compares… */
  loopWindowWords: number;
  /** …and how many times it may occur in all; one more is a loop (a loop that never ends a sentence). */
  maxLoopOccurrences: number;
}

export const DEFAULT_REPETITION_GUARD: RepetitionGuardOptions = {
  minRepeatedSentenceWords: 3,
  minContainedSentenceWords: 8,
  loopWindowWords: 10,
  maxLoopOccurrences: 2,
};

/**
 * Stops an answer that repeats itself, at a clean sentence boundary, before the repeated part is shown. Small models
 * loop ("The answer is … Question: … Answer: … The answer is …") until the length limit; the guard sits between the
 * model and the stream and decides how much text may be released:
 * - a sentence in progress is held back while its words so far also occur, in order, earlier in the answer (it may
 *   be the start of a repeat), and released as soon as it says something new;
 * - a finished sentence that repeats an earlier one (or is found word for word inside it, if long) trips the guard:
 *   nothing of it is released, and the answer ends after the sentence before it;
 * - a run of words that occurs too often trips it too (a loop with no full stop), cut at the last sentence end
 *   that was not released yet, or where the released text ends.
 * Once tripped, the caller stops the model; `text` is everything released, which is the whole answer.
 */
export class RepetitionGuard {
  private all = '';
  private released = 0;
  private checkedSentences = 0;
  private trippedAt: number | null = null;
  private finished = false;

  constructor(private readonly options: RepetitionGuardOptions = DEFAULT_REPETITION_GUARD) {}

  get tripped(): boolean {
    return this.trippedAt !== null;
  }

  /** Everything released so far: after a trip, the answer as it ends. */
  get text(): string {
    return this.all.slice(0, this.released);
  }

  /** Takes the model's next piece of text; returns the text that may be shown now ('' while it is held). */
  push(delta: string): string {
    if (this.tripped || this.finished || !delta) return '';
    this.all += delta;
    const sentences = splitSentences(this.all);
    // The last sentence is still being written unless it ended: terminal punctuation then a space, or a line break.
    const open = sentences.length > 0 && !ENDED.test(this.all) ? sentences.length - 1 : sentences.length;
    for (let i = this.checkedSentences; i < open; i++) {
      if (this.repeatsEarlier(sentences[i], sentences)) return this.trip(i === 0 ? 0 : sentences[i - 1].end);
      this.checkedSentences = i + 1;
    }
    const loopStart = this.loopStart();
    if (loopStart !== null) {
      const ends = sentences.filter((s) => s.end <= loopStart && s.end >= this.released).map((s) => s.end);
      return this.trip(ends.length > 0 ? ends[ends.length - 1] : this.released);
    }
    return this.release(Math.max(this.released, this.holdFrom(sentences, open)));
  }

  /** The model finished on its own: whatever is still held is released, and nothing more is taken. */
  finish(): string {
    if (this.tripped || this.finished) return '';
    this.finished = true;
    return this.release(this.all.length);
  }

  /**
   * Where held text starts: at the longest tail of the sentence in progress whose words (the last one possibly cut
   * in the middle) also occur, in order, starting earlier in the answer — the tail of a loop repeats what came just
   * before it, so the earlier occurrence may overlap the tail itself. Held from the end of the word before it, so
   * the space between goes out with the held text, and from the end of the previous sentence when the tail is the
   * whole sentence. The end of the last finished sentence when nothing is in progress (a trailing space waits for
   * the next word); the text's length if nothing need be held.
   */
  private holdFrom(sentences: Array<{ start: number; end: number }>, open: number): number {
    if (open >= sentences.length) return sentences.length > 0 ? sentences[sentences.length - 1].end : this.all.length;
    const current = sentences[open];
    const all = wordsWithOffsets(this.all);
    const first = all.findIndex((w) => w.offset >= current.start);
    if (first < 0) return this.all.length;
    const joined = ` ${all.map((w) => w.word).join(' ')}`;
    // Where each word starts in `joined`, to turn a match's position back into a word index.
    const starts: number[] = [];
    all.reduce((at, w) => (starts.push(at + 1), at + 1 + w.word.length), 0);
    for (let j = first; j < all.length; j++) {
      const needle = ` ${all.slice(j).map((w) => w.word).join(' ')}`;
      const found = joined.indexOf(needle);
      if (found >= 0 && found + 1 < starts[j]) {
        if (j === first) return open > 0 ? sentences[open - 1].end : 0;
        return all[j - 1].end;
      }
    }
    return this.all.length;
  }

  private repeatsEarlier(sentence: { start: number; end: number }, sentences: Array<{ start: number; end: number }>): boolean {
    const own = words(this.all.slice(sentence.start, sentence.end));
    if (own.length >= this.options.minRepeatedSentenceWords) {
      const same = sentences.some((s) => s.end <= sentence.start && sameWords(words(this.all.slice(s.start, s.end)), own));
      if (same) return true;
    }
    return own.length >= this.options.minContainedSentenceWords && occursBefore(own, words(this.all.slice(0, sentence.start)));
  }

  /** Where the second occurrence of the last words begins, if they occur more often than allowed; else null. */
  private loopStart(): number | null {
    const { loopWindowWords: n, maxLoopOccurrences: max } = this.options;
    const all = wordsWithOffsets(this.all);
    if (all.length < n * (max + 1)) return null;
    const key = all.slice(-n).map((w) => w.word).join(' ');
    const starts: number[] = [];
    for (let i = 0; i + n <= all.length; i++) {
      if (all.slice(i, i + n).map((w) => w.word).join(' ') === key) {
        starts.push(all[i].offset);
        i += n - 1; // occurrences do not overlap
      }
    }
    return starts.length > max ? starts[1] : null;
  }

  private trip(cut: number): string {
    this.trippedAt = cut;
    const out = cut > this.released ? this.all.slice(this.released, cut) : '';
    this.released = Math.max(this.released, cut);
    return out;
  }

  private release(upTo: number): string {
    const out = this.all.slice(this.released, upTo);
    this.released = upTo;
    return out;
  }
}

// Linear on any text (the security suite checks every regex): no two quantifiers can take the same whitespace.
const ENDED = /(?:[.!?…]["'”’)\]]*(?:[ \t]*\[\d{1,3}\])*[ \t]+|\n[^\S\n]*)$/;

// Words as the guard compares them: lower-case letters and digits; citation markers and list numbering ignored.
const MARKERS = /\[\d{1,3}\]/g;
const LIST_PREFIX = /^[ \t]*(?:[-*+•]|\d+[.)])[ \t]+/gm;
const WORD = /[\p{L}\p{N}]+/gu;

function words(text: string): string[] {
  return text.replace(MARKERS, ' ').replace(LIST_PREFIX, '').toLowerCase().match(WORD) ?? [];
}

function wordsWithOffsets(text: string): Array<{ word: string; offset: number; end: number }> {
  const clean = text.replace(MARKERS, (m) => ' '.repeat(m.length));
  return [...clean.toLowerCase().matchAll(WORD)].map((m) => ({ word: m[0], offset: m.index, end: m.index + m[0].length }));
}

function sameWords(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((w, i) => w === b[i]);
}

/** True when `needle` (at least one word) occurs as a run of consecutive words in `haystack`. */
function occursBefore(needle: string[], haystack: string[]): boolean {
  if (needle.length === 0) return false;
  return ` ${haystack.join(' ')} `.includes(` ${needle.join(' ')} `);
}
