import type { ChatDoneEvent, PromptSource, RetrievedChunk } from '@relay/contracts';
import { SourceAttribution } from '../../apps/llm-worker/src/generation/source-attribution';
import { PassageSelector } from '../../apps/pipeline/src/prompt-builder/passage-selector';
import { RelevanceGate } from '../../apps/pipeline/src/prompt-builder/relevance-gate';
import { round } from '../stats';
import { Metrics, metricsOf, ScoredAnswer } from './scoring';

/** What the eval keeps of one question's run, enough to score it again under other thresholds. */
export interface RawAnswer extends Omit<ScoredAnswer, 'citedDocuments'> {
  question: string;
  /** The chunks the retriever passed to the prompt builder, with their cosine scores. */
  retrieved: RetrievedChunk[];
  /** The numbered sources the model was given (chat:sources). */
  sources: PromptSource[];
  done: ChatDoneEvent;
}

export interface Thresholds {
  minScore: number;
  minCoverage: number;
  minSupport: number;
}

/**
 * Scores a run again as if it had used other thresholds, with the product's own classes: the relevance gate on the
 * retrieved chunks, and source attribution on the model's answer. Exact for a run made with the gate off (every
 * question reached the model); a question the run's gate answered "not found" stays so.
 */
export function rescore(raw: RawAnswer[], t: Thresholds, maxSentences: number): ScoredAnswer[] {
  const selector = new PassageSelector({ maxSentences });
  const gate = new RelevanceGate({ minScore: t.minScore, minCoverage: t.minCoverage });
  const attribution = new SourceAttribution({ minSupport: t.minSupport });
  return raw.map((r) => {
    const passages = selector.select(r.question, r.retrieved);
    const relevance = gate.judge(r.retrieved.map((c, i) => ({ score: c.score, coverage: passages[i].coverage })));
    const base = { ...r, citedDocuments: [] as string[] };
    if (!relevance.relevant || r.finishReason === 'not_found') {
      return { ...base, finishReason: 'not_found' as const, grounding: 'not_found' as const, modelAsked: false, ttftMs: null, decodeMs: null };
    }
    const attributed = attribution.attribute(r.text, r.question, r.sources);
    const citedDocuments = [...new Set(attributed.citations.filter((c) => c.cited).map((c) => c.documentId))];
    return { ...base, grounding: attributed.grounding, citedDocuments };
  });
}

export interface Calibration {
  chosen: Thresholds;
  onA: Metrics;
  onB: Metrics;
  all: Metrics;
  candidates: number;
}

const range = (from: number, to: number, step: number) =>
  Array.from({ length: Math.round((to - from) / step) + 1 }, (_, i) => round(from + i * step, 3));

/**
 * Picks the thresholds on half A of the set and reports them on half B. Among the combinations whose false
 * abstention on A is at most `maxFalseAbstention`, the one with the best unanswerable abstention plus source F1
 * (precision and recall of the right document marked) wins; fact accuracy breaks ties.
 */
export function calibrate(raw: RawAnswer[], maxSentences: number, maxFalseAbstention = 0.05): Calibration {
  const a = raw.filter((r) => r.split === 'A');
  const b = raw.filter((r) => r.split === 'B');
  let best: { t: Thresholds; key: number[] } | undefined;
  let candidates = 0;
  for (const minScore of range(0, 0.6, 0.05)) {
    for (const minCoverage of range(0, 0.9, 0.1)) {
      for (const minSupport of range(0.3, 0.9, 0.1)) {
        const t = { minScore, minCoverage, minSupport };
        const m = metricsOf(rescore(a, t, maxSentences));
        candidates++;
        if (!(m.falseAbstention <= maxFalseAbstention)) continue;
        const f1 = (2 * m.sourcePrecision * m.sourceRecall) / (m.sourcePrecision + m.sourceRecall || 1);
        const key = [round(m.abstention + f1, 4), m.factAccuracy, -minScore, -minCoverage, -minSupport];
        if (!best || compare(key, best.key) > 0) best = { t, key };
      }
    }
  }
  const chosen = best?.t ?? { minScore: 0, minCoverage: 0, minSupport: 0.5 };
  return {
    chosen,
    onA: metricsOf(rescore(a, chosen, maxSentences)),
    onB: metricsOf(rescore(b, chosen, maxSentences)),
    all: metricsOf(rescore(raw, chosen, maxSentences)),
    candidates,
  };
}

function compare(x: number[], y: number[]): number {
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}
