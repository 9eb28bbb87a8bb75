import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { LlmMessage } from '@relay/contracts';
import { availableParallelism, freemem } from 'node:os';
import { basename } from 'node:path';
import type { ChatWrapper, EvaluationPriority, LlamaChat, LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import type { LlmConfig } from '../llm.config';
import type { Generation, GenerateOptions, Llm, PromptTokenizer } from '../llm.port';
import { toChatHistory } from './chat-history';
import { planDecodeStep } from './decode-step-planner';
import { defaultParallelism } from './parallelism';
import { PromptReaders } from './prompt-readers';
import { commonPrefixLength, SequencePool } from './sequence-pool';
import { StepBarrier } from './step-barrier';

/** Copying a cached prefix from another sequence costs a lock and a memory copy: not worth it for a few tokens. */
const MIN_TOKENS_WORTH_COPYING = 16;

interface CopyableSequence {
  _copyStateFromOtherSequence?(other: LlamaContextSequence, upToTokenIndex: number): Promise<boolean>;
}

/**
 * A GGUF model run in-process by node-llama-cpp on the CPU: one model, one context with a sequence per answer
 * generated at once (LLM_PARALLEL, or sized from the machine), all of them decoded together, one token each per step
 * (planDecodeStep decides how prompts share the steps, StepBarrier lines the steps up). It is both the Llm and the PromptTokenizer, so the prompt
 * builder counts tokens with exactly the template and vocabulary that generation uses.
 */
@Injectable()
export class NodeLlamaCppLlm implements Llm, PromptTokenizer, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(NodeLlamaCppLlm.name);
  private model?: LlamaModel;
  private context?: LlamaContext;
  private chatWrapper?: ChatWrapper;
  private pool?: SequencePool<LlamaChat>;
  private chats: LlamaChat[] = [];
  /** The streaming answers' token requests and the prompt pieces, handed in together for each step. */
  private readonly barrier = new StepBarrier();
  /** Prompts read at once: as many as a step has room for (one beside streaming answers), first come first. */
  private readonly readers = new PromptReaders(() =>
    this.barrier.streaming > 0 ? 1 : Math.floor((this.context?.batchSize ?? this.config.LLM_BATCH_SIZE) / this.config.LLM_PROMPT_CHUNK_TOKENS),
  );
  private sequences: number;

  readonly modelName: string;
  readonly contextSize: number;
  readonly maxTokens: number;

  constructor(private readonly config: LlmConfig) {
    this.modelName = basename(config.LLM_MODEL_PATH).replace(/\.gguf$/i, '');
    this.contextSize = config.LLM_CONTEXT_SIZE;
    this.maxTokens = config.LLM_MAX_TOKENS;
    this.sequences = config.LLM_PARALLEL ?? 1;
  }

  /** Answers generated at once; known for certain once the model is loaded (LLM_PARALLEL empty: sized then). */
  get parallelism(): number {
    return this.sequences;
  }

  async onModuleInit(): Promise<void> {
    // node-llama-cpp is ESM-only; this dynamic import stays an import() in our CommonJS output.
    const { getLlama, LlamaChat, resolveChatWrapper } = await import('node-llama-cpp');
    const started = performance.now();
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'warn' as never });
    const model = await llama.loadModel({ modelPath: this.config.LLM_MODEL_PATH });
    this.model = model;
    const contextSize = this.config.LLM_CONTEXT_SIZE;
    this.sequences =
      this.config.LLM_PARALLEL ??
      defaultParallelism({ cores: availableParallelism(), freeMemoryBytes: freemem(), bytesPerSequence: await this.bytesPerSequence(model, contextSize) });
    this.context = await model.createContext({
      contextSize,
      sequences: this.sequences,
      threads: this.config.LLM_THREADS,
      batchSize: Math.max(this.config.LLM_BATCH_SIZE, this.sequences),
      batching: {
        itemPrioritizationStrategy: ({ items, size }) =>
          planDecodeStep(items, size, { streamingAnswers: () => this.barrier.streaming, promptTokensWhileStreaming: this.config.LLM_PROMPT_CHUNK_TOKENS }),
      },
    });
    // The catalog names each model's template; a GGUF of your own gets the one node-llama-cpp detects in it.
    const template = this.config.catalogModel?.model.chatTemplate ?? 'auto';
    this.chatWrapper = template === 'auto' ? resolveChatWrapper(model) : resolveChatWrapper(model, { type: template });
    const chats = Array.from({ length: this.sequences }, () => {
      const sequence = this.context!.getSequence();
      this.handInTokensTogether(sequence);
      return new LlamaChat({ contextSequence: sequence, chatWrapper: this.chatWrapper! });
    });
    this.chats = chats;
    // With prefixes copied between sequences, any free sequence can start from the longest cached prefix: take the
    // lowest-numbered one, which keeps the busy sequences together (one pass per decode step, see planDecodeStep).
    const canCopy = typeof (chats[0]?.sequence as unknown as CopyableSequence)._copyStateFromOtherSequence === 'function';
    this.pool = new SequencePool(chats, (chat) => chat.sequence.contextTokens, canCopy ? 'lowest-first' : 'longest-prefix');
    this.logger.log({
      msg: 'llm loaded',
      model: this.modelName,
      path: this.config.LLM_MODEL_PATH,
      chatTemplate: this.chatWrapper.wrapperName,
      sequences: this.sequences,
      prefixCopy: canCopy,
      contextSize,
      batchSize: this.context.batchSize,
      loadMs: Math.round(performance.now() - started),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.context?.dispose();
    await this.model?.dispose();
  }

  isReady(): boolean {
    return this.pool !== undefined;
  }

  countPromptTokens(messages: LlmMessage[]): number {
    return this.promptTokens(messages).length;
  }

  async generate(messages: LlmMessage[], options: GenerateOptions): Promise<Generation> {
    if (!this.pool) throw new Error('LLM is not loaded yet');
    const prompt = this.promptTokens(messages);
    const { slot: chat, cachedPrefix } = await this.pool.acquire(prompt);
    let completionTokens = 0;
    try {
      await this.borrowPrefix(chat, cachedPrefix, prompt);
      const order = this.orderOf(chat);
      const cachedPromptTokens = await this.readPrompt(chat.sequence, prompt, order, options.signal);
      const cancelled = { text: '', finishReason: 'cancelled' as const, promptTokens: prompt.length, completionTokens: 0, cachedPromptTokens };
      if (options.signal?.aborted) return cancelled;
      let result;
      try {
        result = await chat.generateResponse(toChatHistory(messages), {
          maxTokens: options.maxTokens,
          temperature: this.config.LLM_TEMPERATURE,
          // Deterministic like greedy decoding (a penalty, not a random draw).
          repeatPenalty: this.config.LLM_REPEAT_PENALTY > 1 ? { penalty: this.config.LLM_REPEAT_PENALTY, lastTokens: this.config.repeatPenaltyLastTokens } : false,
          signal: options.signal,
          stopOnAbortSignal: true,
          evaluationPriority: order,
          onTextChunk: (text) => options.onDelta(text),
          onToken: (tokens) => {
            completionTokens += tokens.length;
          },
        });
      } catch (err) {
        // Aborted before its first token: node-llama-cpp throws the signal's reason rather than return.
        if (options.signal?.aborted) return cancelled;
        throw err;
      }
      const stop = result.metadata.stopReason;
      return {
        text: result.response,
        finishReason: stop === 'abort' ? 'cancelled' : stop === 'maxTokens' ? 'length' : 'stop',
        promptTokens: prompt.length,
        completionTokens,
        cachedPromptTokens,
      };
    } finally {
      this.barrier.leave(chat.sequence);
      this.readers.admit();
      this.pool.release(chat);
    }
  }

  /**
   * When another sequence, idle or busy, holds a longer start of this prompt than the one it was given (the shared
   * system prompt, when many chats arrive at once), copies that start over instead of evaluating it again. The copy
   * is node-llama-cpp's own (`_copyStateFromOtherSequence`, not part of its documented API): where a version lacks
   * it, the prompt is simply evaluated.
   */
  private async borrowPrefix(chat: LlamaChat, cachedPrefix: number, prompt: Token[]): Promise<void> {
    const copy = (chat.sequence as unknown as CopyableSequence)._copyStateFromOtherSequence;
    if (typeof copy !== 'function') return;
    let donor: LlamaContextSequence | undefined;
    let shared = cachedPrefix;
    for (const other of this.chats) {
      if (other === chat) continue;
      const n = commonPrefixLength(other.sequence.contextTokens, prompt);
      if (n > shared) [donor, shared] = [other.sequence, n];
    }
    shared = Math.min(shared, prompt.length - 1);
    if (!donor || shared - cachedPrefix < MIN_TOKENS_WORTH_COPYING) return;
    await copy.call(chat.sequence, donor, shared);
  }

  /**
   * Keeps what the sequence's cache already holds of the prompt and evaluates the rest in pieces of
   * LLM_PROMPT_CHUNK_TOKENS, up to the last piece: generateResponse evaluates that one (with the prompt's final
   * token, which yields the first answer token) in its first step. Prompts with more than one piece take turns
   * (PromptReaders). Between pieces a cancel takes effect and the sequence is free again. Returns how many prompt
   * tokens the cache already had.
   */
  private async readPrompt(sequence: LlamaContextSequence, prompt: Token[], order: EvaluationPriority, signal?: AbortSignal): Promise<number> {
    const piece = this.config.LLM_PROMPT_CHUNK_TOKENS;
    await sequence.adaptStateToTokens(prompt.slice(0, -1), false);
    const cached = sequence.nextTokenIndex;
    if (prompt.length - cached <= piece) return cached;
    const leave = await this.readers.enter(signal);
    try {
      for (let at = sequence.nextTokenIndex; prompt.length - at > piece && !signal?.aborted; at = sequence.nextTokenIndex) {
        await this.barrier.nextRelease();
        await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(at, at + piece), { evaluationPriority: order });
      }
    } finally {
      leave();
    }
    return cached;
  }

  /**
   * LlamaChat asks the sequence for each next token through `evaluate`'s iterator: every such request goes through
   * the step barrier, so each decode step carries every streaming answer's token (see StepBarrier).
   */
  private handInTokensTogether(sequence: LlamaContextSequence): void {
    const evaluate = sequence.evaluate.bind(sequence);
    const barrier = this.barrier;
    sequence.evaluate = (tokens, options) => {
      const tokensOut = evaluate(tokens, options);
      barrier.join(sequence);
      return {
        async next(...input) {
          await barrier.arrive(sequence);
          const result = await tokensOut.next(...input);
          if (result.done) barrier.leave(sequence);
          return result;
        },
        return: (value) => {
          barrier.leave(sequence);
          return tokensOut.return(value);
        },
        throw: (err) => {
          barrier.leave(sequence);
          return tokensOut.throw(err);
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      } as typeof tokensOut;
    };
  }

  /**
   * The sequence's number, carried to planDecodeStep as its items' `evaluationPriority` so that it can hand a step
   * to llama.cpp in the order of the sequences (node-llama-cpp's own strategies, which read it as a priority from 1
   * to 5, are not used).
   */
  private orderOf(chat: LlamaChat): EvaluationPriority {
    return (this.chats.indexOf(chat) + 1) as EvaluationPriority;
  }

  /** The prompt's tokens with the chat template applied, up to where the answer starts. */
  private promptTokens(messages: LlmMessage[]): Token[] {
    if (!this.model || !this.chatWrapper) throw new Error('LLM is not loaded yet');
    const { contextText } = this.chatWrapper.generateContextState({ chatHistory: toChatHistory(messages) });
    return contextText.tokenize(this.model.tokenizer);
  }

  /** Memory one more sequence of `contextSize` tokens takes, by node-llama-cpp's estimate for this model. */
  private async bytesPerSequence(model: LlamaModel, contextSize: number): Promise<number> {
    const estimate = (sequences: number) => model.fileInsights.estimateContextResourceRequirementsV2({ contextSize, sequences, modelGpuLayers: 0 });
    const [one, two] = await Promise.all([estimate(1), estimate(2)]);
    return Math.max(1, two.cpuRam - one.cpuRam);
  }
}
