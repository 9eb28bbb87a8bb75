import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { LlmMessage } from '@relay/contracts';
import { existsSync } from 'node:fs';
import type { ChatWrapper, LlamaModel } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import { tokenizerPathOf, type LlmConfig } from '../llm.config';
import type { PromptTokenizer } from '../llm.port';
import { toChatHistory } from './chat-history';

/**
 * Counts prompt tokens for a model that runs elsewhere: loads only the vocabulary and metadata of a GGUF (no weights,
 * no context) and renders the messages with the chat template the generating side applies. For a model server
 * (LLM_PROVIDER=openai-compatible) that is the GGUF's own template, as the servers do, and the count is exact when
 * LLM_TOKENIZER_PATH is the GGUF the server runs, or any GGUF with the same vocabulary and template. For the local
 * model run by an LLM worker in another process, it is the template NodeLlamaCppLlm applies (the catalog's). A
 * missing file stops start-up: the prompt builder cannot keep prompts within the context without it.
 */
@Injectable()
export class NodeLlamaCppTokenizer implements PromptTokenizer, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(NodeLlamaCppTokenizer.name);
  private model?: LlamaModel;
  private chatWrapper?: ChatWrapper;
  readonly path: string;
  private readonly template: 'jinjaTemplate' | 'chatML' | 'qwen' | 'auto';

  /** The remote server's context, as configured: a vocabulary-only GGUF knows no context size of its own. */
  readonly contextSize: number;
  readonly maxTokens: number;

  constructor(config: LlmConfig) {
    this.path = tokenizerPathOf(config);
    this.contextSize = config.LLM_CONTEXT_SIZE;
    this.maxTokens = config.LLM_MAX_TOKENS;
    this.template = config.LLM_PROVIDER === 'openai-compatible' ? 'jinjaTemplate' : (config.catalogModel?.model.chatTemplate ?? 'auto');
  }

  async onModuleInit(): Promise<void> {
    if (!existsSync(this.path)) {
      throw new Error(`prompt tokenizer: ${this.path} does not exist (set LLM_TOKENIZER_PATH to a GGUF with the remote model's vocabulary)`);
    }
    // node-llama-cpp is ESM-only; this dynamic import stays an import() in our CommonJS output.
    const { getLlama, resolveChatWrapper } = await import('node-llama-cpp');
    const started = performance.now();
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'warn' as never });
    this.model = await llama.loadModel({ modelPath: this.path, vocabOnly: true });
    // A model server applies the GGUF's Jinja template (tokenizer.chat_template), as llama.cpp's server and
    // llama-cpp-python do, and vLLM from the same model's tokenizer config. That is not node-llama-cpp's own choice:
    // for SmolLM2 its ChatML wrapper also puts a BOS token first, so it counts one token more than the server (59
    // against llama-cpp-python's 58 in test/providers). Without a template in the file, node-llama-cpp falls back to
    // its own choice. For the local model, the same wrapper NodeLlamaCppLlm uses.
    this.chatWrapper = this.template === 'auto' ? resolveChatWrapper(this.model) : resolveChatWrapper(this.model, { type: this.template });
    this.logger.log({
      msg: 'prompt tokenizer loaded',
      path: this.path,
      chatTemplate: this.chatWrapper.wrapperName,
      loadMs: Math.round(performance.now() - started),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.model?.dispose();
  }

  isReady(): boolean {
    return this.chatWrapper !== undefined;
  }

  countPromptTokens(messages: LlmMessage[]): number {
    if (!this.model || !this.chatWrapper) throw new Error('prompt tokenizer is not loaded yet');
    const { contextText } = this.chatWrapper.generateContextState({ chatHistory: toChatHistory(messages) });
    return contextText.tokenize(this.model.tokenizer).length;
  }
}
