import { Controller, Inject, Logger, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ANONYMOUS_USER_ID, ChatControl, ChatPrompt, ChatResponse, Delivered, forwardEnvelope, isPastDeadline, nowMs, replyEnvelope, TOPICS } from '@relay/contracts';
import { Generation, LLM, Llm } from '@relay/llm';
import { RelayMetrics, setSpanAttributes, setSpanOutcome, SPAN_ATTRIBUTES } from '@relay/observability';
import { DeadlineGuard, TopicPublisher } from '@relay/transport';
import { LLM_WORKER_CONFIG, LlmWorkerConfig } from '../llm-worker.config';
import { ChunkCoalescer } from './chunk-coalescer';
import { GenerationMetrics } from './generation-metrics';
import { GenerationQueue } from './generation-queue';
import { GenerationRegistry } from './generation-registry';
import { RepetitionGuard } from './repetition-guard';
import { ServiceTimeMeter } from './service-time-meter';
import { SourceAttribution } from './source-attribution';
import { StatusHeartbeat } from './status-heartbeat';

/**
 * Generates the answer to a built prompt and streams it to chat.responses: one chunk record per piece of text the
 * model produces (seq from 0, in order), then a done record with the full text, citations and usage. When the model
 * is busy with as many answers as it generates at once, the prompt waits in the GenerationQueue. Until the first
 * chunk, status records tell the client its place in line, then that the model reads the prompt, each said again
 * every STATUS_HEARTBEAT_MS (StatusHeartbeat), and carry this attempt's generationId so the gateway can tell the
 * client when another worker took the prompt over. The text
 * passes through a repetition guard (a looping answer stops at its last new sentence) and, once complete, through
 * source attribution (which sources it uses, and whether it rests on any).
 *
 * A prompt past its deadline is not generated: one that arrives late is skipped at once, and one that waits in the
 * queue leaves it when its deadline passes; either way the client hears EXPIRED and the model is not called.
 */
@Controller()
export class GenerationHandler {
  private readonly logger = new Logger('LlmWorker');
  private readonly attribution: SourceAttribution;
  private readonly deadline: DeadlineGuard;

  constructor(
    private readonly publisher: TopicPublisher,
    @Inject(LLM) private readonly llm: Llm,
    private readonly registry: GenerationRegistry,
    private readonly queue: GenerationQueue,
    @Inject(LLM_WORKER_CONFIG) private readonly config: LlmWorkerConfig,
    private readonly answerMetrics: GenerationMetrics,
    @Optional() metrics?: RelayMetrics,
    @Optional() private readonly serviceTime: ServiceTimeMeter = new ServiceTimeMeter(),
  ) {
    this.attribution = new SourceAttribution({ minSupport: config.ATTRIBUTION_MIN_SUPPORT });
    this.deadline = new DeadlineGuard(publisher, 'llm-worker', metrics);
  }

  @EventPattern(TOPICS.prompts, { stage: 'llm-worker' })
  async generate(@Payload() prompt: Delivered<ChatPrompt>): Promise<void> {
    // At-least-once delivery: a prompt seen again after its answer went out is not generated twice.
    if (this.registry.wasAnswered(prompt.messageId)) {
      this.logger.log({ msg: 'duplicate prompt skipped' });
      return;
    }
    if (await this.deadline.skipIfExpired(prompt)) return;
    const signal = this.registry.start(prompt.messageId);
    // The prompt leaves the queue when its deadline passes (a cancel still ends it at any time).
    const deadlinePassed = prompt.deadline === undefined ? undefined : AbortSignal.timeout(untilDeadlineMs(prompt.deadline));
    const guard = new RepetitionGuard();
    const stopRepeating = new AbortController();
    const generationId = randomUUID();
    let seq = 0;
    let firstTokenAt: number | undefined;
    // Chunks are published in order, without holding up the model between tokens.
    let publishing: Promise<void> = Promise.resolve();
    const publishInOrder = (payload: ChatResponse) => {
      const record = replyEnvelope(prompt, payload);
      publishing = publishing.then(() => this.publisher.publish(TOPICS.responses, record));
    };
    const coalescer = new ChunkCoalescer(this.config.STREAM_COALESCE_MS, this.config.STREAM_COALESCE_MAX_PIECES, (delta) => {
      publishInOrder({ type: 'chunk', generationId, seq: seq++, delta });
    });
    const heartbeat = new StatusHeartbeat(this.config.STATUS_HEARTBEAT_MS, (status) => publishInOrder({ type: 'status', ...status, generationId }));
    const waitStart = nowMs();
    let turn: 'started' | 'cancelled' | undefined;
    try {
      turn = await this.queue.acquire({
        messageId: prompt.messageId,
        // Anonymous sessions are each their own user, so one anonymous burst does not hold up other visitors.
        userId: prompt.payload.userId === ANONYMOUS_USER_ID ? `session:${prompt.sessionId}` : `user:${prompt.payload.userId}`,
        signal: deadlinePassed ? AbortSignal.any([signal, deadlinePassed]) : signal,
        onPosition: (position) => heartbeat.tell({ state: 'queued', position }),
      });
      if (!signal.aborted && (deadlinePassed?.aborted || isPastDeadline(prompt))) {
        // Its deadline passed while it waited for the model: the model is not called for it.
        heartbeat.stop();
        await publishing;
        await this.deadline.expire(prompt);
        return;
      }
      const startedAt = nowMs();
      if (turn === 'started' && !signal.aborted) heartbeat.tell({ state: 'generating' });
      const result: Generation = signal.aborted
        ? { text: '', finishReason: 'cancelled' as const, promptTokens: prompt.payload.promptTokens, completionTokens: 0 }
        : await this.llm.generate(prompt.payload.messages, {
            maxTokens: prompt.payload.maxTokens,
            signal: AbortSignal.any([signal, stopRepeating.signal]),
            onDelta: (delta) => {
              if (!delta) return;
              if (firstTokenAt === undefined) {
                firstTokenAt = nowMs();
                heartbeat.stop();
              }
              coalescer.push(guard.push(delta));
              if (guard.tripped) stopRepeating.abort();
            },
          });
      heartbeat.stop();
      const finishedAt = nowMs();
      // Only whole answers measure how long one takes (the capacity report's serviceMs); a cancelled one is cut short.
      if (result.finishReason !== 'cancelled') this.serviceTime.record(finishedAt - startedAt);
      // Cancelled before the model was called (its client gone, or it asked): nothing was generated for it.
      else if (firstTokenAt === undefined && signal.aborted) this.logger.log({ msg: 'cancelled before generation', queuedMs: Math.round(startedAt - waitStart) });
      coalescer.push(guard.finish());
      coalescer.flush();
      await publishing;
      // The text is what the guard released: exactly the chunks sent.
      const text = guard.text;
      const finishReason = guard.tripped ? ('repetition' as const) : result.finishReason;
      const { citations, attributions, grounding } = this.attribution.attribute(text, prompt.payload.question, prompt.payload.sources);
      const done = forwardEnvelope(prompt, 'llm-worker', {
        type: 'done' as const,
        generationId,
        text,
        chunks: seq,
        finishReason,
        citations,
        grounding,
        attributions,
        moderation: prompt.payload.moderation,
        usage: { promptTokens: result.promptTokens, completionTokens: result.completionTokens },
        model: this.llm.modelName,
        firstTokenMs: firstTokenAt === undefined ? null : firstTokenAt - prompt.receivedAt,
        modelTimings: {
          queuedMs: startedAt - waitStart,
          promptMs: (firstTokenAt ?? finishedAt) - startedAt,
          generationMs: firstTokenAt === undefined ? 0 : finishedAt - firstTokenAt,
          cachedPromptTokens: result.cachedPromptTokens ?? 0,
        },
      });
      await this.publisher.publish(TOPICS.responses, done);
      setSpanAttributes({
        [SPAN_ATTRIBUTES.model]: this.llm.modelName,
        [SPAN_ATTRIBUTES.promptTokens]: result.promptTokens,
        [SPAN_ATTRIBUTES.generatedTokens]: result.completionTokens,
        [SPAN_ATTRIBUTES.finishReason]: finishReason,
        'relay.queued_ms': Math.round(startedAt - waitStart),
        'relay.first_token_ms': done.payload.firstTokenMs === null ? -1 : Math.round(done.payload.firstTokenMs),
      });
      if (finishReason === 'cancelled') setSpanOutcome('cancelled');
      this.answerMetrics.answered(done.payload);
      this.registry.markAnswered(prompt.messageId);
      this.logger.log({ msg: 'generated', finishReason, grounding, completionTokens: result.completionTokens, queuedMs: Math.round(startedAt - waitStart) });
    } finally {
      heartbeat.stop();
      if (turn === 'started') this.queue.release();
      this.registry.finish(prompt.messageId);
    }
  }

  // A cancel must reach whichever worker is generating the message: every worker sees every cancel.
  @EventPattern(TOPICS.control, { stage: 'llm-worker-control', delivery: 'every-replica' })
  cancel(@Payload() control: Delivered<ChatControl>): void {
    const outcome = this.registry.cancel(control.messageId);
    this.logger.log({ msg: 'cancel', outcome });
  }
}

/** Whole ms from now to the deadline, as a timer takes them (an integer, at most about 24.8 days). */
function untilDeadlineMs(deadline: number): number {
  return Math.min(2 ** 31 - 1, Math.max(0, Math.ceil(deadline - nowMs())));
}
