import { parseEnv } from '@relay/config';
import type { FactoryProvider, Provider } from '@nestjs/common';
import { llmConfigSchema, tokenizerPathOf } from './llm.config';
import { LlmModule } from './llm.module';
import { LLM, PROMPT_TOKENIZER } from './llm.port';
import { NodeLlamaCppLlm } from './node-llama-cpp/node-llama-cpp.llm';
import { NodeLlamaCppTokenizer } from './node-llama-cpp/node-llama-cpp.tokenizer';
import { OpenAiCompatibleLlm } from './openai-compatible/openai-compatible.llm';

const providerOf = (providers: Provider[], token: unknown) => providers.find((p) => typeof p === 'object' && 'provide' in p && p.provide === token);

describe('LLM config', () => {
  it('defaults to the in-process model, and to a local llama.cpp server for openai-compatible', () => {
    const config = parseEnv(llmConfigSchema, {});

    expect(config).toMatchObject({
      LLM_PROVIDER: 'node-llama-cpp',
      LLM_BASE_URL: 'http://127.0.0.1:8080/v1',
      LLM_MODEL: '',
      LLM_API_KEY: '',
      LLM_TOKENIZER_PATH: '',
      LLM_REQUEST_TIMEOUT_MS: 120_000,
    });
    expect(tokenizerPathOf(config)).toBe('models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf');
    expect(tokenizerPathOf({ ...config, LLM_TOKENIZER_PATH: '/models/served-model.Q4_K_M.gguf' })).toBe('/models/served-model.Q4_K_M.gguf');
  });

  it('names the variable when the provider or base URL is wrong, and never echoes the API key', () => {
    expect(() => parseEnv(llmConfigSchema, { LLM_PROVIDER: 'openai' })).toThrow('LLM_PROVIDER: must be one of node-llama-cpp, openai-compatible');
    expect(() => parseEnv(llmConfigSchema, { LLM_BASE_URL: 'localhost:8080' })).toThrow('LLM_BASE_URL: must be an http(s) URL');
    expect(parseEnv(llmConfigSchema, { LLM_API_KEY: 'sk-1' }).LLM_API_KEY).toBe('sk-1');
  });
});

describe('LlmModule.forRoot', () => {
  it('uses the in-process model as both LLM and prompt tokenizer for node-llama-cpp', () => {
    const { providers = [] } = LlmModule.forRoot(parseEnv(llmConfigSchema, {}));

    expect(providerOf(providers, LLM)).toEqual({ provide: LLM, useExisting: NodeLlamaCppLlm });
    expect(providerOf(providers, PROMPT_TOKENIZER)).toEqual({ provide: PROMPT_TOKENIZER, useExisting: NodeLlamaCppLlm });
  });

  it('streams from the server and counts prompts with the vocabulary-only tokenizer for openai-compatible', () => {
    const { providers = [] } = LlmModule.forRoot(parseEnv(llmConfigSchema, { LLM_PROVIDER: 'openai-compatible' }));

    expect((providerOf(providers, LLM) as FactoryProvider).useFactory()).toBeInstanceOf(OpenAiCompatibleLlm);
    expect((providerOf(providers, PROMPT_TOKENIZER) as FactoryProvider).useFactory()).toBeInstanceOf(NodeLlamaCppTokenizer);
    expect(providerOf(providers, NodeLlamaCppLlm)).toBeUndefined();
  });

  it('gives a process that only builds prompts the vocabulary-only tokenizer, and no model to generate with', () => {
    const { providers = [], exports = [] } = LlmModule.forPromptTokenizer(parseEnv(llmConfigSchema, {}));

    expect((providerOf(providers, PROMPT_TOKENIZER) as FactoryProvider).useFactory()).toBeInstanceOf(NodeLlamaCppTokenizer);
    expect(providerOf(providers, LLM)).toBeUndefined();
    expect(providerOf(providers, NodeLlamaCppLlm)).toBeUndefined();
    expect(exports).toEqual([PROMPT_TOKENIZER]);
  });
});

