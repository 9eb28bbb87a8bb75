import { Controller, Inject, Logger, Optional } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Delivered, forwardEnvelope, RelayError, replyEnvelope, RetrievedContext, TOPICS } from '@relay/contracts';
import { PROMPT_TOKENIZER, PromptTokenizer } from '@relay/llm';
import { RelayMetrics, setSpanAttributes, SPAN_ATTRIBUTES } from '@relay/observability';
import { DeadlineGuard, TopicPublisher } from '@relay/transport';
import { PIPELINE_CONFIG, PipelineConfig } from '../pipeline.config';
import { notFoundAnswer } from './not-found-answer';
import { PromptBuilder } from './prompt-builder';
import { promptBuilderOptions } from './prompt-builder-options';

/**
 * Last pipeline stage: assembles the prompt within the model's context budget (the client hears `building` as it
 * starts). The client hears of the numbered
 * sources at once (a `sources` record on chat.responses, published before the prompt, so before any chunk); when
 * nothing retrieved is relevant, it answers "not in your documents" itself and the model is not asked.
 */
@Controller()
export class PromptBuilderHandler {
  private readonly logger = new Logger('PromptBuilder');
  private readonly builder: PromptBuilder;
  private readonly deadline: DeadlineGuard;

  constructor(
    private readonly publisher: TopicPublisher,
    @Inject(PROMPT_TOKENIZER) private readonly tokenizer: PromptTokenizer,
    @Inject(PIPELINE_CONFIG) config: PipelineConfig,
    @Optional() metrics?: RelayMetrics,
  ) {
    this.builder = new PromptBuilder(tokenizer, promptBuilderOptions(config));
    this.deadline = new DeadlineGuard(publisher, 'prompt-builder', metrics);
  }

  @EventPattern(TOPICS.retrieved, { stage: 'prompt-builder' })
  async handle(@Payload() context: Delivered<RetrievedContext>): Promise<void> {
    if (await this.deadline.skipIfExpired(context)) return;
    await this.publisher.publish(TOPICS.responses, replyEnvelope(context, { type: 'status', state: 'building' }));
    // The room kept for the answer: the model's tuned default or LLM_MAX_TOKENS.
    const maxTokens = this.tokenizer.maxTokens;
    const { text: question, history, chunks, moderation, userId } = context.payload;
    let prompt;
    try {
      prompt = this.builder.build({ question, history, chunks, maxTokens });
    } catch (err) {
      // A prompt that can never fit is the user's to fix, not a transient failure to retry.
      if (!(err instanceof RelayError)) throw err;
      await this.publisher.publish(TOPICS.responses, replyEnvelope(context, { type: 'error', code: err.code, message: err.message }));
      return;
    }
    const sources = prompt.kind === 'prompt' ? prompt.sources : [];
    await this.publisher.publish(TOPICS.responses, replyEnvelope(context, { type: 'sources', sources }));
    if (prompt.kind === 'not_found') {
      this.logger.log({ msg: 'nothing relevant retrieved; answered not found', ...prompt.relevance });
      const [chunk, done] = notFoundAnswer(context.messageId, moderation);
      await this.publisher.publish(TOPICS.responses, replyEnvelope(context, chunk));
      await this.publisher.publish(TOPICS.responses, forwardEnvelope(context, 'prompt-builder', done));
      return;
    }
    const { kind: _kind, relevance: _relevance, ...built } = prompt;
    setSpanAttributes({ [SPAN_ATTRIBUTES.promptTokens]: built.promptTokens, [SPAN_ATTRIBUTES.chunksRetrieved]: chunks.length });
    await this.publisher.publish(TOPICS.prompts, forwardEnvelope(context, 'prompt-builder', { ...built, question, userId, maxTokens, moderation }));
  }
}
