import type { RetrievedChunk, TextSpan } from '@relay/contracts';
import { analyze, blocksOf, splitSentences } from '@relay/retrieval';

export interface PassageOptions {
  /** Most sentences of a chunk given to the model; 0 gives the whole chunk. */
  maxSentences: number;
}

/** The part of one chunk the model is given. */
export interface Passage {
  /** The chosen sentences in their order; a gap between two is shown as " … ". */
  text: string;
  /** Where the chosen sentences lie in the chunk's text. */
  spans: TextSpan[];
  /** Share of the question's term weight that the chosen sentences contain, 0–1. */
  coverage: number;
}

interface Sentence extends TextSpan {
  terms: Set<string>;
  /** Where the sentence's line starts: a sentence continues another only within one line or paragraph. */
  block: number;
}

/**
 * Picks, from each retrieved chunk, the sentences that answer the question, so a small model reads a few relevant
 * sentences per source instead of whole chunks (prompt length is most of the time to first token on a CPU). A
 * sentence's score is the summed weight of the question's terms it contains, each term weighted by its inverse
 * frequency among the sentences of all the chunks (a word every source repeats, such as the company's name, counts
 * for little). The best sentence is kept with the sentence after it in the same paragraph or list item, where the
 * answer often continues ("E-14: thermocouple failure. Switch the kiln off and replace the thermocouple."); then
 * the other good sentences (within half of the best score), then the sentences after those, while there is room. A
 * chunk with no matching sentence keeps its first sentences.
 */
export class PassageSelector {
  constructor(private readonly options: PassageOptions) {}

  select(question: string, chunks: RetrievedChunk[]): Passage[] {
    const questionTerms = questionTermsOf(question);
    const perChunk = chunks.map((c) => sentencesOf(c.text));
    const weight = inverseFrequencies(perChunk.flat(), questionTerms);
    const total = [...questionTerms].reduce((sum, t) => sum + weight(t), 0);
    return chunks.map((chunk, i) => this.passage(chunk.text, perChunk[i], questionTerms, weight, total));
  }

  private passage(text: string, sentences: Sentence[], questionTerms: Set<string>, weight: (t: string) => number, total: number): Passage {
    const score = (s: Sentence) => [...questionTerms].reduce((sum, t) => sum + (s.terms.has(t) ? weight(t) : 0), 0);
    const max = this.options.maxSentences;
    const coverageOf = (chosen: number[]) => {
      const covered = new Set(chosen.flatMap((i) => [...sentences[i].terms]));
      return total > 0 ? [...questionTerms].reduce((sum, t) => sum + (covered.has(t) ? weight(t) : 0), 0) / total : 0;
    };
    // The whole chunk, as it is.
    if (max === 0) return { text, spans: text ? [{ start: 0, end: text.length }] : [], coverage: coverageOf(sentences.map((_, i) => i)) };
    let chosen: number[];
    if (sentences.length <= max) {
      chosen = sentences.map((_, i) => i);
    } else {
      const ranked = sentences.map((s, i) => ({ i, score: score(s) })).sort((a, b) => b.score - a.score || a.i - b.i);
      const best = ranked[0].score;
      const anchors = best > 0 ? ranked.filter((r) => r.score > 0 && r.score >= best / 2).map((r) => r.i) : [0];
      // The best sentence and the one after it, then the other anchors, then the sentences after those, while
      // there is room.
      const next = (i: number) => (i + 1 < sentences.length && sentences[i + 1].block === sentences[i].block ? [i + 1] : []);
      const order = [anchors[0], ...next(anchors[0]), ...anchors.slice(1), ...anchors.slice(1).flatMap(next)];
      const picked = new Set<number>();
      for (const i of order) if (picked.size < max) picked.add(i);
      chosen = [...picked].sort((a, b) => a - b);
    }
    // Neighbouring sentences make one span (only white space between them), so a highlight reads as one passage.
    const spans: TextSpan[] = [];
    for (const i of chosen) {
      const last = spans[spans.length - 1];
      if (last && text.slice(last.end, sentences[i].start).trim() === '') last.end = sentences[i].end;
      else spans.push({ start: sentences[i].start, end: sentences[i].end });
    }
    const parts: string[] = [];
    chosen.forEach((i, k) => {
      if (k > 0 && chosen[k - 1] !== i - 1) parts.push('…');
      parts.push(text.slice(sentences[i].start, sentences[i].end));
    });
    return { text: parts.join(' '), spans, coverage: coverageOf(chosen) };
  }
}

function sentencesOf(text: string): Sentence[] {
  const blocks = blocksOf(text);
  return splitSentences(text).map((span) => ({
    ...span,
    terms: termsOf(text.slice(span.start, span.end)),
    block: blocks.findIndex((b) => b.start <= span.start && span.start < b.end),
  }));
}

// Words of a question that ask rather than say what about ("what does E-21 mean", "how many days do I get"):
// they rarely appear in the answer's sentence, and counting them would make every question look half unanswered.
// Stemmed, as the analyzer leaves them (does → doe, many → mani); the analyzer's stop words are Lucene's short list.
const QUESTION_FILLER = new Set([
  'what', 'which', 'who', 'whom', 'whose', 'when', 'where', 'why', 'how', 'do', 'doe', 'did', 'i', 'me', 'my', 'we', 'our', 'us',
  'you', 'your', 'should', 'would', 'could', 'can', 'may', 'might', 'must', 'shall', 'ha', 'have', 'had', 'am', 'were', 'been',
  'much', 'mani', 'long', 'often', 'get', 'got', 'need', 'want', 'know', 'tell', 'mean', 'happen', 'explain', 'describ', 'exactli',
  'pleas', 'ani', 'some',
]);
// Codes such as E-14, TC-9, P0 or DV-2: one term each ("#e14"), besides their parts, so that a question about one
// code finds the sentence about that code and not every sentence with an "e" or a "14".
const CODE = /(?<![\p{L}\p{N}])(\p{L}{1,3})-?(\p{N}{1,4})(?![\p{L}\p{N}])/gu;

/** Index terms of a text (the retrieval analyzer's), plus one term per code it mentions. */
export function termsOf(text: string): Set<string> {
  const terms = new Set(analyze(text));
  for (const m of text.matchAll(CODE)) terms.add(`#${m[1].toLowerCase()}${m[2]}`);
  return terms;
}

/** The terms a question asks about: its index terms and codes, without the words that only make it a question. */
export function questionTermsOf(question: string): Set<string> {
  return new Set([...termsOf(question)].filter((t) => !QUESTION_FILLER.has(t)));
}

/**
 * Inverse sentence frequency of each question term: log(1 + N / df). A term no sentence contains gets the weight of
 * the rarest possible term, so a question about something absent keeps a large share of weight uncovered.
 */
function inverseFrequencies(sentences: Sentence[], terms: Set<string>): (term: string) => number {
  const n = Math.max(1, sentences.length);
  const weights = new Map<string, number>();
  for (const term of terms) {
    const df = sentences.filter((s) => s.terms.has(term)).length;
    weights.set(term, Math.log(1 + n / Math.max(df, 0.5)));
  }
  return (term) => weights.get(term) ?? 0;
}
