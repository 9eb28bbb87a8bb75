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
  minOnTopic: number;
}

/**
 * Scores a run again as if it had used other thresholds, with the product's own classes: the relevance gate on the
 * retrieved chunks, and source attribution on the model's answer. Exact for a run made with the gate off (every
 * question reached the model); a question the run's gate answered "not found" stays so. What does not depend on a
 * threshold (the passages, each attribution setting's result) is computed once, so a grid search stays quick.
 */
export class Rescorer {
  private readonly relevance: Array<{ scores: number[]; coverage: number }>;
  private readonly attributed = new Map<string, Array<Pick<ScoredAnswer, 'grounding' | 'citedDocuments'>>>();

  constructor(
    private readonly raw: RawAnswer[],
    maxSentences: number,
    maxSources: number,
  ) {
    const selector = new PassageSelector({ maxSentences });
    // As the prompt builder judges it (PromptBuilder.build): the passages of the first PROMPT_MAX_SOURCES chunks.
    this.relevance = raw.map((r) => {
      const selection = selector.select(r.question, r.retrieved);
      return { scores: r.retrieved.map((c) => c.score), coverage: selection.coverage(selection.passages.slice(0, maxSources)) };
    });
  }

  at(t: Thresholds): ScoredAnswer[] {
    const gate = new RelevanceGate({ minScore: t.minScore, minCoverage: t.minCoverage });
    const attributed = this.attribution(t.minSupport, t.minOnTopic);
    return this.raw.map((r, i) => {
      const base = { ...r, citedDocuments: [] as string[] };
      if (!gate.judge(this.relevance[i].scores, this.relevance[i].coverage).relevant || r.finishReason === 'not_found') {
        return { ...base, finishReason: 'not_found' as const, grounding: 'not_found' as const, modelAsked: false, ttftMs: null, decodeMs: null };
      }
      return { ...base, ...attributed[i] };
    });
  }

  private attribution(minSupport: number, minOnTopic: number) {
    const key = `${minSupport}/${minOnTopic}`;
    let results = this.attributed.get(key);
    if (!results) {
      const attribution = new SourceAttribution({ minSupport, minOnTopic });
      results = this.raw.map((r) => {
        const a = attribution.attribute(r.text, r.question, r.sources);
        return { grounding: a.grounding, citedDocuments: [...new Set(a.citations.filter((c) => c.cited).map((c) => c.documentId))] };
      });
      this.attributed.set(key, results);
    }
    return results;
  }
}

export function rescore(raw: RawAnswer[], t: Thresholds, maxSentences: number, maxSources: number): ScoredAnswer[] {
  return new Rescorer(raw, maxSentences, maxSources).at(t);
}

/** Thresholds chosen on one half of the set (`fitOn`) and the figures they give on each half and on all. */
export interface Calibration {
  fitOn: 'A' | 'B';
  chosen: Thresholds;
  onFit: Metrics;
  heldOut: Metrics;
  all: Metrics;
  candidates: number;
}

const range = (from: number, to: number, step: number) =>
  Array.from({ length: Math.round((to - from) / step) + 1 }, (_, i) => round(from + i * step, 3));
const SCORES = range(0, 0.6, 0.05);
const COVERAGES = range(0, 1, 0.05);
const SUPPORTS = range(0.3, 0.9, 0.1);
const ON_TOPIC = [0.5, 0.75, 1];

/**
 * Picks the thresholds on one half of the set and reports them on the other (and both ways round: 2-fold
 * cross-validation). A combination is eligible when its false abstention on the fitting half is at most
 * `maxFalseAbstention` — and stays so one grid step stricter in each threshold, so that a threshold placed just below
 * the fitting half's lowest answerable question (which the other half does not share) is not chosen. Among the
 * eligible, the best unanswerable abstention plus source F1 (precision and recall of the right document marked)
 * wins; then fact accuracy, then the lower thresholds.
 */
export function calibrate(raw: RawAnswer[], maxSentences: number, maxSources: number, maxFalseAbstention = 0.05): Calibration[] {
  return (['A', 'B'] as const).map((fitOn) => {
    const fit = new Rescorer(raw.filter((r) => r.split === fitOn), maxSentences, maxSources);
    const held = raw.filter((r) => r.split !== fitOn);
    const falseAbstention = new Map<string, number>();
    const metricsAt = (t: Thresholds) => metricsOf(fit.at(t));
    const fa = (t: Thresholds) => {
      const key = `${t.minScore}/${t.minCoverage}/${t.minSupport}/${t.minOnTopic}`;
      if (!falseAbstention.has(key)) falseAbstention.set(key, metricsAt(t).falseAbstention);
      return falseAbstention.get(key)!;
    };
    let best: { t: Thresholds; key: number[] } | undefined;
    let candidates = 0;
    for (const minScore of SCORES) {
      for (const minCoverage of COVERAGES) {
        for (const minSupport of SUPPORTS) {
          for (const minOnTopic of ON_TOPIC) {
            const t = { minScore, minCoverage, minSupport, minOnTopic };
            candidates++;
            const stricter = [
              { ...t, minScore: round(minScore + 0.05, 3) },
              { ...t, minCoverage: round(Math.min(1, minCoverage + 0.05), 3) },
              { ...t, minSupport: round(Math.min(0.9, minSupport + 0.1), 3) },
            ];
            if (![t, ...stricter].every((x) => fa(x) <= maxFalseAbstention)) continue;
            const m = metricsAt(t);
            const f1 = (2 * m.sourcePrecision * m.sourceRecall) / (m.sourcePrecision + m.sourceRecall || 1);
            const key = [round(m.abstention + f1, 4), m.factAccuracy, -minScore, -minCoverage, -minSupport, -minOnTopic];
            if (!best || compare(key, best.key) > 0) best = { t, key };
          }
        }
      }
    }
    const chosen = best?.t ?? { minScore: 0, minCoverage: 0, minSupport: 0.5, minOnTopic: 0.75 };
    return {
      fitOn,
      chosen,
      onFit: metricsAt(chosen),
      heldOut: metricsOf(rescore(held, chosen, maxSentences, maxSources)),
      all: metricsOf(rescore(raw, chosen, maxSentences, maxSources)),
      candidates,
    };
  });
}

function compare(x: number[], y: number[]): number {
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}
