import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Delivered, forwardEnvelope, RelayError, replyEnvelope, RetrievedContext, TOPICS } from '@relay/contracts';
import { PROMPT_TOKENIZER, PromptTokenizer } from '@relay/llm';
import { TopicPublisher } from '@relay/transport';
import { PromptBuilder } from './prompt-builder';

/** Last pipeline stage: assembles the prompt within the model's context budget. */
@Controller()
export class PromptBuilderHandler {
  private readonly builder: PromptBuilder;

  constructor(
    private readonly publisher: TopicPublisher,
    @Inject(PROMPT_TOKENIZER) private readonly tokenizer: PromptTokenizer,
  ) {
    this.builder = new PromptBuilder(tokenizer);
  }

  @EventPattern(TOPICS.retrieved, { stage: 'prompt-builder' })
  async handle(@Payload() context: Delivered<RetrievedContext>): Promise<void> {
    // The room kept for the answer: the model's tuned default or LLM_MAX_TOKENS.
    const maxTokens = this.tokenizer.maxTokens;
    let prompt;
    try {
      prompt = this.builder.build({ question: context.payload.text, history: context.payload.history, chunks: context.payload.chunks, maxTokens });
    } catch (err) {
      // A prompt that can never fit is the user's to fix, not a transient failure to retry.
      if (!(err instanceof RelayError)) throw err;
      await this.publisher.publish(TOPICS.responses, replyEnvelope(context, { type: 'error', code: err.code, message: err.message }));
      return;
    }
    await this.publisher.publish(
      TOPICS.prompts,
      forwardEnvelope(context, 'prompt-builder', { ...prompt, userId: context.payload.userId, maxTokens, moderation: context.payload.moderation }),
    );
  }
}
