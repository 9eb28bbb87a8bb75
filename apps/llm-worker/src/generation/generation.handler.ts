import { Controller, Inject, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ChatControl, ChatPrompt, Delivered, forwardEnvelope, nowMs, replyEnvelope, TOPICS } from '@relay/contracts';
import { LLM, Llm } from '@relay/llm';
import { TopicPublisher } from '@relay/transport';
import { LLM_WORKER_CONFIG, LlmWorkerConfig } from '../llm-worker.config';
import { ChunkCoalescer } from './chunk-coalescer';
import { GenerationRegistry } from './generation-registry';

/**
 * Generates the answer to a built prompt and streams it to chat.responses: one chunk record per piece of text the
 * model produces (seq from 0, in order), then a done record with the full text, citations and usage.
 */
@Controller()
export class GenerationHandler {
  private readonly logger = new Logger('LlmWorker');

  constructor(
    private readonly publisher: TopicPublisher,
    @Inject(LLM) private readonly llm: Llm,
    private readonly registry: GenerationRegistry,
    @Inject(LLM_WORKER_CONFIG) private readonly config: LlmWorkerConfig,
  ) {}

  @EventPattern(TOPICS.prompts, { stage: 'llm-worker' })
  async generate(@Payload() prompt: Delivered<ChatPrompt>): Promise<void> {
    // At-least-once delivery: a prompt seen again after its answer went out is not generated twice.
    if (this.registry.wasAnswered(prompt.messageId)) {
      this.logger.log({ msg: 'duplicate prompt skipped' });
      return;
    }
    const signal = this.registry.start(prompt.messageId);
    const generationId = randomUUID();
    let seq = 0;
    let firstTokenAt: number | undefined;
    // Chunks are published in order, without holding up the model between tokens.
    let publishing: Promise<void> = Promise.resolve();
    const coalescer = new ChunkCoalescer(this.config.STREAM_COALESCE_MS, this.config.STREAM_COALESCE_MAX_PIECES, (delta) => {
      const chunk = replyEnvelope(prompt, { type: 'chunk' as const, generationId, seq: seq++, delta });
      publishing = publishing.then(() => this.publisher.publish(TOPICS.responses, chunk));
    });
    try {
      const result = signal.aborted
        ? { text: '', finishReason: 'cancelled' as const, promptTokens: prompt.payload.promptTokens, completionTokens: 0 }
        : await this.llm.generate(prompt.payload.messages, {
            maxTokens: prompt.payload.maxTokens,
            signal,
            onDelta: (delta) => {
              if (!delta) return;
              firstTokenAt ??= nowMs();
              coalescer.push(delta);
            },
          });
      coalescer.flush();
      await publishing;
      const citations = prompt.payload.sources.map((s) => ({ ...s, cited: result.text.includes(`[${s.n}]`) }));
      const done = forwardEnvelope(prompt, 'llm-worker', {
        type: 'done' as const,
        generationId,
        text: result.text,
        chunks: seq,
        finishReason: result.finishReason,
        citations,
        moderation: prompt.payload.moderation,
        usage: { promptTokens: result.promptTokens, completionTokens: result.completionTokens },
        model: this.llm.modelName,
        firstTokenMs: firstTokenAt === undefined ? null : firstTokenAt - prompt.receivedAt,
      });
      await this.publisher.publish(TOPICS.responses, done);
      this.registry.markAnswered(prompt.messageId);
      this.logger.log({ msg: 'generated', finishReason: result.finishReason, completionTokens: result.completionTokens });
    } finally {
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
