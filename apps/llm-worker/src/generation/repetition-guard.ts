import { GrowingTextSentences } from '@relay/retrieval';
import { IndexedWord, WordRepeats } from './word-repeats';

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
  /** The finished words, indexed; `pending` is the last word while the text still ends inside it. */
  private readonly index = new WordRepeats();
  private readonly sentences = new GrowingTextSentences();
  private pending: IndexedWord | undefined;
  /** Where the words not yet finished begin: the end of the last finished word. */
  private scanFrom = 0;
  /** Each sentence's words by its span, for the "same sentence again" test… */
  private readonly sentenceKeys = new Map<string, string>();
  /** …and the words before the last sentence checked (" a b c ") with where they end, for "found inside". */
  private wordsBeforeText = ' ';
  private wordsBeforeEnd = 0;

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
    this.indexNewWords();
    const sentences = this.sentences.spans(this.all);
    // The last sentence is still being written unless it ended: terminal punctuation then a space, or a line break.
    const open = sentences.length > 0 && !endsSentence(this.all) ? sentences.length - 1 : sentences.length;
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
   * Reads the words of the text added since the last finished word: those followed by another character are
   * finished and go into the index; one that runs to the end of the text may still grow and stays pending.
   */
  private indexNewWords(): void {
    this.pending = undefined;
    for (const word of wordsWithOffsets(this.all.slice(this.scanFrom), this.scanFrom)) {
      if (word.end < this.all.length) {
        this.index.append(word);
        this.scanFrom = word.end;
      } else {
        this.pending = word;
      }
    }
  }

  /** Every word of the answer so far, the pending one last. */
  private wordAt(i: number): IndexedWord {
    return i < this.index.length ? this.index.words[i] : this.pending!;
  }

  private get wordCount(): number {
    return this.index.length + (this.pending ? 1 : 0);
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
    const count = this.wordCount;
    const first = this.firstWordFrom(current.start);
    if (first >= count) return this.all.length;
    const tail = this.index.longestRepeatedTail(this.pending?.word);
    if (tail === 0) return this.all.length;
    const j = Math.max(first, count - tail);
    if (j === first) return open > 0 ? sentences[open - 1].end : 0;
    return this.wordAt(j - 1).end;
  }

  /** The index of the first word that starts at or after `offset` (the word count if none does). */
  private firstWordFrom(offset: number): number {
    let low = 0;
    let high = this.wordCount;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.wordAt(mid).offset >= offset) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  /**
   * A finished sentence repeats an earlier one: the same words as a sentence before it (as the text is split now),
   * or, when long, found word for word in the text before it.
   */
  private repeatsEarlier(sentence: { start: number; end: number }, sentences: Array<{ start: number; end: number }>): boolean {
    const own = this.sentenceKey(sentence);
    const count = own === '' ? 0 : own.split(' ').length;
    if (count >= this.options.minRepeatedSentenceWords) {
      if (sentences.some((s) => s.end <= sentence.start && this.sentenceKey(s) === own)) return true;
    }
    return count >= this.options.minContainedSentenceWords && this.wordsBefore(sentence.start).includes(` ${own} `);
  }

  /** A sentence's words joined by spaces, kept per span so earlier sentences are not read again on every check. */
  private sentenceKey(span: { start: number; end: number }): string {
    const id = `${span.start}:${span.end}`;
    let key = this.sentenceKeys.get(id);
    if (key === undefined) {
      key = words(this.all.slice(span.start, span.end)).join(' ');
      this.sentenceKeys.set(id, key);
    }
    return key;
  }

  /**
   * The words of the text before `offset` as " a b c ", extended from where the last call ended (sentence starts only
   * move forward while the text grows; if one moved back the words are read again from the start).
   */
  private wordsBefore(offset: number): string {
    if (offset < this.wordsBeforeEnd) {
      this.wordsBeforeText = ' ';
      this.wordsBeforeEnd = 0;
    }
    const from = this.wordsBeforeEnd;
    // A piece that starts in the middle of a line must not look like a line start to the list-prefix pattern.
    const lineStart = this.all.lastIndexOf('\n', from - 1) + 1;
    const midLine = /[^ \t]/.test(this.all.slice(lineStart, from));
    const more = words((midLine ? '\u0000' : '') + this.all.slice(from, offset));
    if (more.length > 0) this.wordsBeforeText += `${more.join(' ')} `;
    this.wordsBeforeEnd = offset;
    return this.wordsBeforeText;
  }

  /** Where the second occurrence of the last words begins, if they occur more often than allowed; else null. */
  private loopStart(): number | null {
    const { loopWindowWords: n, maxLoopOccurrences: max } = this.options;
    if (this.wordCount < n * (max + 1)) return null;
    const starts = this.index.occurrencesOfTail(n, this.pending?.word);
    return starts.length > max ? this.wordAt(starts[1]).offset : null;
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

// What may follow a sentence's terminal punctuation (closing quotes and brackets, markers, white space).
const AFTER_TERMINAL = /["'”’)\]\[\d\s]/;

/** ENDED, tried only on the text's tail that could take part in a match, so it does not read the whole answer. */
function endsSentence(text: string): boolean {
  let from = text.length;
  while (from > 0 && AFTER_TERMINAL.test(text[from - 1])) from--;
  return ENDED.test(text.slice(Math.max(0, from - 1)));
}

// Words as the guard compares them: lower-case letters and digits; citation markers and list numbering ignored.
const MARKERS = /\[\d{1,3}\]/g;
const LIST_PREFIX = /^[ \t]*(?:[-*+•]|\d+[.)])[ \t]+/gm;
const WORD = /[\p{L}\p{N}]+/gu;

function words(text: string): string[] {
  return text.replace(MARKERS, ' ').replace(LIST_PREFIX, '').toLowerCase().match(WORD) ?? [];
}

/** The words of `text` (which starts at `base` in the answer), lower-cased, with their offsets in the answer. */
function wordsWithOffsets(text: string, base: number): IndexedWord[] {
  const clean = text.replace(MARKERS, (m) => ' '.repeat(m.length));
  return [...clean.matchAll(WORD)].map((m) => ({ word: m[0].toLowerCase(), offset: base + m.index, end: base + m.index + m[0].length }));
}
