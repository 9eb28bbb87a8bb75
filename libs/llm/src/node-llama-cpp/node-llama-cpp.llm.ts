import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { LlmMessage } from '@relay/contracts';
import { basename } from 'node:path';
import type { LlamaChat, LlamaContext, LlamaModel } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import type { LlmConfig } from '../llm.config';
import type { Generation, GenerateOptions, Llm, PromptTokenizer } from '../llm.port';
import { toChatHistory } from './chat-history';

/**
 * A GGUF model run in-process by node-llama-cpp on the CPU. One model and one context per process, with
 * LLM_PARALLEL sequences; a request waits for a free sequence. It is both the Llm and the PromptTokenizer, so the
 * prompt builder counts tokens with exactly the template and vocabulary that generation uses.
 */
@Injectable()
export class NodeLlamaCppLlm implements Llm, PromptTokenizer, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(NodeLlamaCppLlm.name);
  private model?: LlamaModel;
  private context?: LlamaContext;
  private readonly idle: LlamaChat[] = [];
  private readonly busy = new Set<LlamaChat>();
  private readonly waiting: Array<(chat: LlamaChat) => void> = [];

  readonly modelName: string;
  readonly contextSize: number;

  constructor(private readonly config: LlmConfig) {
    this.modelName = basename(config.LLM_MODEL_PATH).replace(/\.gguf$/i, '');
    this.contextSize = config.LLM_CONTEXT_SIZE;
  }

  async onModuleInit(): Promise<void> {
    // node-llama-cpp is ESM-only; this dynamic import stays an import() in our CommonJS output.
    const { getLlama, LlamaChat } = await import('node-llama-cpp');
    const started = performance.now();
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'warn' as never });
    this.model = await llama.loadModel({ modelPath: this.config.LLM_MODEL_PATH });
    this.context = await this.model.createContext({
      contextSize: this.config.LLM_CONTEXT_SIZE,
      sequences: this.config.LLM_PARALLEL,
      threads: this.config.LLM_THREADS,
    });
    for (let i = 0; i < this.config.LLM_PARALLEL; i++) {
      this.idle.push(new LlamaChat({ contextSequence: this.context.getSequence() }));
    }
    this.logger.log({
      msg: 'llm loaded',
      model: this.modelName,
      chatTemplate: this.idle[0].chatWrapper.wrapperName,
      loadMs: Math.round(performance.now() - started),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.context?.dispose();
    await this.model?.dispose();
  }

  isReady(): boolean {
    return this.context !== undefined;
  }

  countPromptTokens(messages: LlmMessage[]): number {
    const chat = this.anyChat();
    const { contextText } = chat.chatWrapper.generateContextState({ chatHistory: toChatHistory(messages) });
    return contextText.tokenize(this.model!.tokenizer).length;
  }

  async generate(messages: LlmMessage[], options: GenerateOptions): Promise<Generation> {
    const chat = await this.acquire();
    try {
      let completionTokens = 0;
      const promptTokens = this.countPromptTokens(messages);
      const result = await chat.generateResponse(toChatHistory(messages), {
        maxTokens: options.maxTokens,
        temperature: this.config.LLM_TEMPERATURE,
        // Deterministic like greedy decoding, so a retried generation still repeats itself exactly.
        repeatPenalty: this.config.LLM_REPEAT_PENALTY > 1 ? { penalty: this.config.LLM_REPEAT_PENALTY, lastTokens: 64 } : false,
        signal: options.signal,
        stopOnAbortSignal: true,
        onTextChunk: (text) => options.onDelta(text),
        onToken: (tokens) => {
          completionTokens += tokens.length;
        },
      });
      const stop = result.metadata.stopReason;
      return {
        text: result.response,
        finishReason: stop === 'abort' ? 'cancelled' : stop === 'maxTokens' ? 'length' : 'stop',
        promptTokens,
        completionTokens,
      };
    } finally {
      this.release(chat);
    }
  }

  private anyChat(): LlamaChat {
    const chat = this.idle[0] ?? this.busy.values().next().value;
    if (!chat || !this.model) throw new Error('LLM is not loaded yet');
    return chat;
  }

  private acquire(): Promise<LlamaChat> {
    if (!this.model) return Promise.reject(new Error('LLM is not loaded yet'));
    const chat = this.idle.pop();
    if (chat) {
      this.busy.add(chat);
      return Promise.resolve(chat);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(chat: LlamaChat): void {
    const next = this.waiting.shift();
    if (next) return next(chat); // handed straight to the next request, still busy
    this.busy.delete(chat);
    this.idle.push(chat);
  }
}
