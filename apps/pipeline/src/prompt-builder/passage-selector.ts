import type { RetrievedChunk, TextSpan } from '@relay/contracts';
import { blocksOf, questionTermsOf, splitSentences, termsOf } from '@relay/retrieval';

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
  /** Terms of the chosen sentences and of the chunk's title: what the model reads of this source. */
  terms: Set<string>;
}

/** The passages of a question's chunks, in the chunks' order. */
export interface Selection {
  passages: Passage[];
  /**
   * Share of the question's term weight found in these passages together, 0–1. A question term none of the
   * retrieved sentences contains weighs as much as the rarest term, so a question about something the sources never
   * mention keeps a large share uncovered.
   */
  coverage(of: Passage[]): number;
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

  select(question: string, chunks: RetrievedChunk[]): Selection {
    const questionTerms = questionTermsOf(question);
    const perChunk = chunks.map((c) => sentencesOf(c.text));
    const weight = inverseFrequencies(perChunk.flat(), questionTerms);
    const total = [...questionTerms].reduce((sum, t) => sum + weight(t), 0);
    const passages = chunks.map((chunk, i) => this.passage(chunk, perChunk[i], questionTerms, weight));
    return {
      passages,
      coverage: (of) => {
        if (total === 0) return 0;
        const covered = [...questionTerms].filter((t) => of.some((p) => p.terms.has(t)));
        return covered.reduce((sum, t) => sum + weight(t), 0) / total;
      },
    };
  }

  private passage(chunk: RetrievedChunk, sentences: Sentence[], questionTerms: Set<string>, weight: (t: string) => number): Passage {
    const { text } = chunk;
    const score = (s: Sentence) => [...questionTerms].reduce((sum, t) => sum + (s.terms.has(t) ? weight(t) : 0), 0);
    const max = this.options.maxSentences;
    const termsOfChosen = (chosen: number[]) => new Set([...termsOf(chunk.title), ...chosen.flatMap((i) => [...sentences[i].terms])]);
    // The whole chunk, as it is.
    if (max === 0) return { text, spans: text ? [{ start: 0, end: text.length }] : [], terms: termsOfChosen(sentences.map((_, i) => i)) };
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
    return { text: parts.join(' '), spans, terms: termsOfChosen(chosen) };
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
