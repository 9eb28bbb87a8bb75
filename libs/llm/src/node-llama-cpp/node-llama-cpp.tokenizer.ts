import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { LlmMessage } from '@relay/contracts';
import { existsSync } from 'node:fs';
import type { ChatWrapper, LlamaModel } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import { tokenizerPathOf, type LlmConfig } from '../llm.config';
import type { PromptTokenizer } from '../llm.port';
import { toChatHistory } from './chat-history';

/**
 * Counts prompt tokens for a model that runs elsewhere (LLM_PROVIDER=openai-compatible): loads only the vocabulary
 * and metadata of a GGUF (no weights, no context) and renders the messages with the GGUF's own chat template, as the
 * servers do. The count is exact when LLM_TOKENIZER_PATH is the GGUF the server runs, or any GGUF with the same
 * vocabulary and template. A missing file stops start-up: the prompt builder cannot keep prompts within the context
 * without it.
 */
@Injectable()
export class NodeLlamaCppTokenizer implements PromptTokenizer, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(NodeLlamaCppTokenizer.name);
  private model?: LlamaModel;
  private chatWrapper?: ChatWrapper;
  private readonly path: string;

  /** The remote server's context, as configured: a vocabulary-only GGUF knows no context size of its own. */
  readonly contextSize: number;
  readonly maxTokens: number;

  constructor(config: LlmConfig) {
    this.path = tokenizerPathOf(config);
    this.contextSize = config.LLM_CONTEXT_SIZE;
    this.maxTokens = config.LLM_MAX_TOKENS;
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
    // The GGUF's Jinja template (tokenizer.chat_template), which llama.cpp's server and llama-cpp-python apply, and
    // vLLM too from the same model's tokenizer config. Not the "auto" choice NodeLlamaCppLlm makes: for SmolLM2 that
    // is node-llama-cpp's ChatML wrapper, which also puts a BOS token first, so it counts one token more than the
    // server (59 against llama-cpp-python's 58 in test/providers). Without a template in the file, node-llama-cpp
    // falls back to the "auto" choice.
    this.chatWrapper = resolveChatWrapper(this.model, { type: 'jinjaTemplate' });
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
