import type { Attribution, Citation, Grounding, PromptSource } from '@relay/contracts';
import { questionTermsOf, splitSentences, termsOf } from '@relay/retrieval';
import { isDecline } from './decline-detector';

export interface AttributionOptions {
  /** Least support (0–1) for a sentence to be attributed to a source; calibrated by `npm run eval:answers`. */
  minSupport: number;
  /**
   * Least share of the question's words repeated by a sentence that its source must contain (the source is about
   * what the sentence is about); default 0.75, chosen with `npm run eval:answers`.
   */
  minOnTopic?: number;
}

export interface AttributedAnswer {
  /** Every source of the prompt, marked cited (and how) when the answer uses it. */
  citations: Citation[];
  /** Sentences without a `[n]` of their own that were matched to a source. */
  attributions: Attribution[];
  grounding: Grounding | null;
}

// A number counts more than a word: an answer's figures are what it must not invent.
const NUMBER_WEIGHT = 2;
const DEFAULT_MIN_ON_TOPIC = 0.75;
const MARKER = /\[(\d{1,3})\]/g;
const LIST_PREFIX = /^\s*(?:[-*+•]|\d+[.)])\s+/;
// How small models open an answer ("Based on the information provided in the sources, …"): words that say where the
// answer comes from, not what it says, so they count for no source.
const LEAD_IN = /\b(?:based\s+on|according\s+to|as\s+(?:stated|mentioned|described)\s+in)\s+(?:the\s+)?(?:(?:information|sources?|documents?|text|context|passages?|excerpts?)\s*)+(?:(?:provided|given|above)\s*)?(?:in\s+(?:the\s+)?(?:sources?|documents?|text|context)\s*)?,?/gi;

/**
 * Decides which sources an answer uses. A source is cited when the answer writes its `[n]`, or when a sentence of
 * the answer is supported by it: the sentence's support by a source is the weighted share of its content terms
 * (stemmed, stop words dropped, numbers counted double) that the source's passage contains. Only what the sentence
 * adds to the question counts — an answer restates the question, and every retrieved passage matches the question's
 * words — so terms of the question are left out unless the sentence has nothing else. A figure the source does not
 * contain rules the source out for that sentence, and so does a source holding less than `minOnTopic` of the
 * question's words the sentence repeats: it is about something else ("a motorbike ticket costs 19 euros" is not
 * supported by fares that never mention motorbikes). A `[n]` counts when its sentence's support by source n reaches
 * `minSupport`; a sentence without a counted marker goes to its best-supported source when that support reaches
 * `minSupport`, or, when no source supports it whole, each of its clauses to its own (a sentence joining two
 * sources' facts). Sentences saying that the sources do not have the answer are never attributed; an answer made only
 * of such sentences cites nothing and is `not_found`, and any other answer that cites nothing is `unsupported`.
 */
export class SourceAttribution {
  constructor(private readonly options: AttributionOptions) {}

  attribute(answer: string, question: string, sources: PromptSource[]): AttributedAnswer {
    const questionTerms = new Set([...questionTermsOf(question)].map(normaliseNumber));
    const sourceTerms = new Map(sources.map((s) => [s.n, new Set(terms(`${s.title}\n${passageOf(s)}`))]));
    const byMarker = new Set<number>();
    const byAttribution = new Set<number>();
    const attributions: Attribution[] = [];
    let declined = false;

    for (const span of splitSentences(answer)) {
      const sentence = answer.slice(span.start, span.end);
      if (isDecline(sentence)) {
        declined = true;
        continue;
      }
      const sentenceTerms = terms(contentOf(sentence));
      if (sentenceTerms.length === 0) continue;
      // A [n] the model wrote counts when the words before it (back to the previous marker, or the whole sentence if
      // there are none) are supported by that source; small models also put markers on sentences they made up
      // ("The kiln weighs 2,000 kg. [1]").
      const supports = this.support(sentenceTerms, questionTerms, sourceTerms);
      const markers = this.supportedMarkers(sentence, sentenceTerms, questionTerms, sourceTerms);
      if (markers.length > 0) {
        markers.forEach((n) => byMarker.add(n));
        continue;
      }
      const best = this.best(supports);
      if (best !== undefined) {
        byAttribution.add(best);
        attributions.push({ start: span.start, end: span.end, n: best });
        continue;
      }
      // A sentence that joins facts of two sources ("… at the standard single adult fare, which is 19 euros") is
      // supported by neither alone: each of its clauses is judged on its own, and all of them must be supported.
      const clauses = clausesOf(sentence)
        .map((c) => ({ ...c, terms: terms(contentOf(sentence.slice(c.start, c.end))) }))
        .filter((c) => c.terms.length > 0);
      if (clauses.length < 2) continue;
      const picks = clauses.map((c) => this.best(this.support(c.terms, questionTerms, sourceTerms)));
      if (picks.some((n) => n === undefined)) continue;
      clauses.forEach((c, i) => {
        byAttribution.add(picks[i]!);
        attributions.push({ start: span.start + c.start, end: span.start + c.end, n: picks[i]! });
      });
    }

    const citations = sources.map((s): Citation => {
      if (byMarker.has(s.n)) return { ...s, cited: true, citedBy: 'marker' };
      if (byAttribution.has(s.n)) return { ...s, cited: true, citedBy: 'attribution' };
      return { ...s, cited: false };
    });
    const grounding: Grounding | null =
      byMarker.size + byAttribution.size > 0 ? 'grounded' : declined ? 'not_found' : answer.trim() ? 'unsupported' : null;
    return { citations, attributions, grounding };
  }

  /** The source with the best support, if it reaches the threshold (the first of equals). */
  private best(supports: Map<number, number>): number | undefined {
    let best: [number, number] | undefined;
    for (const entry of supports) if (!best || entry[1] > best[1]) best = entry;
    return best && best[1] >= this.options.minSupport ? best[0] : undefined;
  }

  /** The markers of a sentence whose source supports the clause the marker closes. */
  private supportedMarkers(sentence: string, sentenceTerms: string[], questionTerms: Set<string>, sourceTerms: Map<number, Set<string>>): number[] {
    const counted: number[] = [];
    let clauseStart = 0;
    for (const m of sentence.matchAll(MARKER)) {
      const n = Number(m[1]);
      const clause = terms(contentOf(sentence.slice(clauseStart, m.index)));
      clauseStart = m.index + m[0].length;
      if (!sourceTerms.has(n)) continue;
      const support = this.support(clause.length > 0 ? clause : sentenceTerms, questionTerms, sourceTerms).get(n) ?? 0;
      if (support >= this.options.minSupport) counted.push(n);
    }
    return counted;
  }

  /** Each source's support for the sentence, 0–1, in source order. */
  private support(sentenceTerms: string[], questionTerms: Set<string>, sourceTerms: Map<number, Set<string>>): Map<number, number> {
    const distinct = [...new Set(sentenceTerms)];
    const added = distinct.filter((t) => !questionTerms.has(t));
    const asked = distinct.filter((t) => questionTerms.has(t));
    const content = added.length > 0 ? added : distinct;
    const weight = (t: string) => (isNumber(t) ? NUMBER_WEIGHT : 1);
    const total = content.reduce((sum, t) => sum + weight(t), 0);
    const supports = new Map<number, number>();
    for (const [n, known] of sourceTerms) {
      // A figure of the answer that the source lacks: not this source.
      const lacksFigure = added.some((t) => isNumber(t) && !known.has(t));
      // The source must be about what the sentence repeats of the question: "The boiling point of liquid nitrogen
      // is 1,000 °C" is not supported by a kiln manual that happens to contain "1,000 °C".
      const offTopic = asked.length > 0 && asked.filter((t) => known.has(t)).length < asked.length * (this.options.minOnTopic ?? DEFAULT_MIN_ON_TOPIC);
      supports.set(n, lacksFigure || offTopic ? 0 : content.reduce((sum, t) => sum + (known.has(t) ? weight(t) : 0), 0) / total);
    }
    return supports;
  }
}

// Where a sentence's clauses meet: a comma or semicolon, or "and" / "but" / "while" between two words.
// One whitespace character either side of the word: `\s+` there made the scan quadratic on long runs of spaces.
const CLAUSE_BREAK = /[,;]\s+|\s(?:and|but|while|whereas)\s/g;

/** The clauses of a sentence, as spans into it, without the words or punctuation that join them. */
function clausesOf(sentence: string): Array<{ start: number; end: number }> {
  const clauses: Array<{ start: number; end: number }> = [];
  let start = 0;
  for (const m of sentence.matchAll(CLAUSE_BREAK)) {
    clauses.push({ start, end: m.index });
    start = m.index + m[0].length;
  }
  clauses.push({ start, end: sentence.length });
  return clauses.filter((c) => c.end > c.start);
}

/** A sentence without its markers, list numbering and lead-in. */
function contentOf(sentence: string): string {
  return sentence.replace(MARKER, ' ').replace(LIST_PREFIX, '').replace(LEAD_IN, ' ');
}

/** The part of a source the model read: its highlighted passage, or the whole snippet when none is marked. */
function passageOf(source: PromptSource): string {
  if (source.highlights.length === 0) return source.snippet;
  return source.highlights.map((h) => source.snippet.slice(h.start, h.end)).join(' ');
}

/** Index terms and codes (as the prompt builder reads them), with numbers' thousands separators dropped. */
function terms(text: string): string[] {
  return [...termsOf(text)].map(normaliseNumber);
}

/** "1,285" and "1285" are one number. */
function normaliseNumber(term: string): string {
  return isNumber(term) ? term.replace(/(\d),(?=\d{3}(?!\d))/g, '$1') : term;
}

function isNumber(term: string): boolean {
  return /^\p{N}/u.test(term);
}
