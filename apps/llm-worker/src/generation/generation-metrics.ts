import type { ResponseDone } from '@relay/contracts';
import { RelayMetrics } from '@relay/observability';

/** Records each finished answer into the LLM worker's metrics: time to first token, duration, tokens, outcome. */
export class GenerationMetrics {
  constructor(private readonly metrics: RelayMetrics = new RelayMetrics({ enabled: false })) {}

  answered(done: Pick<ResponseDone, 'model' | 'finishReason' | 'firstTokenMs' | 'usage' | 'modelTimings'>): void {
    const model = done.model;
    const m = this.metrics;
    m.answers.inc({ model, outcome: done.finishReason });
    m.generatedTokens.inc({ model }, done.usage.completionTokens);
    m.promptTokens.inc({ model }, done.usage.promptTokens);
    if (done.firstTokenMs !== null) m.timeToFirstTokenSeconds.observe({ model }, done.firstTokenMs / 1000);
    if (done.modelTimings) {
      const { queuedMs, promptMs, generationMs } = done.modelTimings;
      m.answerSeconds.observe({ model, outcome: done.finishReason }, (queuedMs + promptMs + generationMs) / 1000);
    }
  }
}
