import type { FinishReason, Grounding } from '@relay/contracts';
import { percentile, round } from '../stats';

/** One answered question, as the eval scores it. */
export interface ScoredAnswer {
  id: string;
  answerable: boolean;
  split: 'A' | 'B';
  facts: string[][];
  expectedDocuments: string[];
  text: string;
  finishReason: FinishReason;
  grounding: Grounding | null;
  /** Documents of the sources marked cited (a document with several cited chunks counts once). */
  citedDocuments: string[];
  /** The model was asked (not answered "not found" by the relevance gate). */
  modelAsked: boolean;
  ttftMs: number | null;
  decodeMs: number | null;
  completionTokens: number;
  promptTokens: number;
  sourcesMs: number | null;
}

export interface Metrics {
  questions: number;
  answerable: number;
  unanswerable: number;
  /** Expected facts found in the answers to answerable questions, over all expected facts. */
  factAccuracy: number;
  /** Answerable questions whose answer has every expected fact. */
  fullyCorrect: number;
  /** Cited documents that hold the answer, over all cited documents (all questions). */
  sourcePrecision: number;
  /** Documents that hold the answer and were cited, over all such documents (answerable questions). */
  sourceRecall: number;
  /** Unanswerable questions answered "not in your documents" (or flagged unsupported). */
  abstention: number;
  /** Answerable questions answered that way. */
  falseAbstention: number;
  /** Answers the repetition guard stopped, and answers that reached the token limit. */
  repetitionStops: number;
  lengthStops: number;
  modelAsked: number;
  ttftP50Ms: number;
  ttftP90Ms: number;
  /** Completion tokens over decode time (first chunk to done), all answers the model wrote. */
  tokensPerSec: number;
  promptTokensP50: number;
  sourcesP50Ms: number;
}

/**
 * An answer counts as abstaining when Relay said the documents do not hold it: the gate answered "not found", the
 * model said so, or attribution found nothing in the sources to support it (the page then says so plainly).
 */
export const abstained = (a: Pick<ScoredAnswer, 'finishReason' | 'grounding'>): boolean =>
  a.finishReason === 'not_found' || a.grounding === 'not_found' || a.grounding === 'unsupported';

/** Lower-cased, NFKC, thousands separators dropped ("1,285" and "1 285" → "1285"), dashes and spaces unified. */
export function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/(\d)[,\u00a0\u202f ](?=\d{3}(?!\d))/g, '$1')
    .replace(/[\u2010-\u2015]/g, '-')
    .replace(/\s+/g, ' ');
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * True when any spelling of the fact appears in the text as whole words (not inside a longer word or number); a
 * spelling that ends in a letter also matches its plural ("element" in "elements", "Sunday" in "Sundays").
 */
export function hasFact(text: string, spellings: string[]): boolean {
  const haystack = normalise(text);
  return spellings.some((s) => {
    const spelling = normalise(s);
    const plural = /\p{L}$/u.test(spelling) ? '(?:s|es)?' : '';
    return new RegExp(`(?<![\\p{L}\\p{N}])${escape(spelling)}${plural}(?![\\p{L}\\p{N}])`, 'u').test(haystack);
  });
}

export function factsFound(answer: Pick<ScoredAnswer, 'text' | 'facts' | 'finishReason' | 'grounding'>): number {
  // An answer Relay flagged as not found or unsupported is not counted as knowing anything.
  if (abstained(answer)) return 0;
  return answer.facts.filter((f) => hasFact(answer.text, f)).length;
}

export function metricsOf(answers: ScoredAnswer[]): Metrics {
  const answerable = answers.filter((a) => a.answerable);
  const unanswerable = answers.filter((a) => !a.answerable);
  const facts = answerable.reduce((n, a) => n + a.facts.length, 0);
  const found = answerable.reduce((n, a) => n + factsFound(a), 0);
  const cited = answers.reduce((n, a) => n + a.citedDocuments.length, 0);
  const citedRight = answers.reduce((n, a) => n + a.citedDocuments.filter((d) => a.expectedDocuments.includes(d)).length, 0);
  const expected = answerable.reduce((n, a) => n + a.expectedDocuments.length, 0);
  const asked = answers.filter((a) => a.modelAsked);
  const ttft = asked.map((a) => a.ttftMs).filter((t): t is number => t !== null);
  const decodeMs = asked.reduce((n, a) => n + (a.decodeMs ?? 0), 0);
  const tokens = asked.reduce((n, a) => n + (a.decodeMs ? a.completionTokens : 0), 0);
  const ratio = (a: number, b: number) => (b === 0 ? NaN : round(a / b, 4));
  return {
    questions: answers.length,
    answerable: answerable.length,
    unanswerable: unanswerable.length,
    factAccuracy: ratio(found, facts),
    fullyCorrect: ratio(answerable.filter((a) => factsFound(a) === a.facts.length).length, answerable.length),
    sourcePrecision: ratio(citedRight, cited),
    sourceRecall: ratio(answerable.reduce((n, a) => n + a.expectedDocuments.filter((d) => a.citedDocuments.includes(d)).length, 0), expected),
    abstention: ratio(unanswerable.filter(abstained).length, unanswerable.length),
    falseAbstention: ratio(answerable.filter(abstained).length, answerable.length),
    repetitionStops: answers.filter((a) => a.finishReason === 'repetition').length,
    lengthStops: answers.filter((a) => a.finishReason === 'length').length,
    modelAsked: asked.length,
    ttftP50Ms: round(percentile(ttft, 50), 0),
    ttftP90Ms: round(percentile(ttft, 90), 0),
    tokensPerSec: decodeMs > 0 ? round(tokens / (decodeMs / 1000), 2) : NaN,
    promptTokensP50: round(percentile(asked.map((a) => a.promptTokens), 50), 0),
    sourcesP50Ms: round(percentile(answers.map((a) => a.sourcesMs).filter((t): t is number => t !== null), 50), 0),
  };
}

const pct = (x: number) => (Number.isNaN(x) ? '—' : `${(x * 100).toFixed(1)} %`);

export const TABLE_HEADER =
  '| model | questions | fact accuracy | all facts | right source: precision | recall | unanswerable abstained | false abstention | repetition stops / length stops | TTFT p50 / p90 | tokens/s | prompt tokens p50 | sources after (p50) |\n' +
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |';

export function tableRow(label: string, m: Metrics): string {
  return (
    `| ${label} | ${m.questions} (${m.answerable} + ${m.unanswerable} unanswerable) | ${pct(m.factAccuracy)} | ${pct(m.fullyCorrect)} | ` +
    `${pct(m.sourcePrecision)} | ${pct(m.sourceRecall)} | ${pct(m.abstention)} | ${pct(m.falseAbstention)} | ` +
    `${m.repetitionStops} / ${m.lengthStops} | ${(m.ttftP50Ms / 1000).toFixed(1)} s / ${(m.ttftP90Ms / 1000).toFixed(1)} s | ${m.tokensPerSec} | ` +
    `${m.promptTokensP50} | ${m.sourcesP50Ms} ms |`
  );
}
