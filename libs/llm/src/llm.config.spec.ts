import { ConfigError, parseEnv } from '@relay/config';
import { llmConfigSchema } from './llm.config';
import { catalogModel, DEFAULT_LOCAL_MODEL, GENERIC_GENERATION } from './model-catalog';

function problems(env: Record<string, string>) {
  try {
    parseEnv(llmConfigSchema, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('LLM config and the model catalog', () => {
  it('runs the catalog default from MODELS_DIR with the settings it was tuned with', () => {
    const config = parseEnv(llmConfigSchema, { MODELS_DIR: '/srv/models' });
    const tuned = catalogModel(DEFAULT_LOCAL_MODEL).generation;

    expect(config.LLM_LOCAL_MODEL).toBe('qwen2.5-coder-0.5b');
    expect(config.LLM_MODEL_PATH).toBe('/srv/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf');
    expect(config.catalogModel?.id).toBe('qwen2.5-coder-0.5b');
    expect(config).toMatchObject({
      LLM_CONTEXT_SIZE: tuned.contextSize,
      LLM_MAX_TOKENS: tuned.maxTokens,
      LLM_TEMPERATURE: tuned.temperature,
      LLM_REPEAT_PENALTY: tuned.repeatPenalty,
      repeatPenaltyLastTokens: tuned.repeatPenaltyLastTokens,
    });
    expect(config.LLM_PARALLEL).toBeUndefined();
  });

  it('takes another catalog model by id, with its own file and settings', () => {
    const config = parseEnv(llmConfigSchema, { LLM_LOCAL_MODEL: 'smollm2-135m' });
    expect(config.LLM_MODEL_PATH).toBe('models/SmolLM2-135M-Instruct.Q4_1.gguf');
    expect(config.LLM_REPEAT_PENALTY).toBe(catalogModel('smollm2-135m').generation.repeatPenalty);
    expect(config.LLM_MAX_TOKENS).toBe(catalogModel('smollm2-135m').generation.maxTokens);
  });

  it('lets each variable override one tuned setting and leaves the others', () => {
    const config = parseEnv(llmConfigSchema, { LLM_MAX_TOKENS: '64', LLM_TEMPERATURE: '0.7', LLM_PARALLEL: '3' });
    expect(config).toMatchObject({ LLM_MAX_TOKENS: 64, LLM_TEMPERATURE: 0.7, LLM_PARALLEL: 3 });
    expect(config.LLM_REPEAT_PENALTY).toBe(catalogModel(DEFAULT_LOCAL_MODEL).generation.repeatPenalty);
  });

  it('runs a GGUF of your own with generic settings, or with the catalog settings when it is a catalog file', () => {
    const own = parseEnv(llmConfigSchema, { LLM_MODEL_PATH: '/data/my-model.Q8_0.gguf' });
    expect(own.LLM_MODEL_PATH).toBe('/data/my-model.Q8_0.gguf');
    expect(own.catalogModel).toBeUndefined();
    expect(own).toMatchObject({ LLM_MAX_TOKENS: GENERIC_GENERATION.maxTokens, LLM_REPEAT_PENALTY: GENERIC_GENERATION.repeatPenalty });

    const copied = parseEnv(llmConfigSchema, { LLM_MODEL_PATH: '/elsewhere/SmolLM2-135M-Instruct.Q4_1.gguf' });
    expect(copied.catalogModel?.id).toBe('smollm2-135m');
    expect(copied.LLM_REPEAT_PENALTY).toBe(catalogModel('smollm2-135m').generation.repeatPenalty);
  });

  it('gives a remote model (openai-compatible) the generic settings, whatever the local model', () => {
    const config = parseEnv(llmConfigSchema, { LLM_PROVIDER: 'openai-compatible', LLM_LOCAL_MODEL: 'smollm2-135m' });
    expect(config.catalogModel).toBeUndefined();
    expect(config).toMatchObject({ LLM_CONTEXT_SIZE: GENERIC_GENERATION.contextSize, LLM_MAX_TOKENS: GENERIC_GENERATION.maxTokens, LLM_TEMPERATURE: 0 });
  });

  it('names the variable of an unknown model id, a context beyond the trained one, and an answer that leaves no room', () => {
    expect(problems({ LLM_LOCAL_MODEL: 'gpt-5' })).toEqual([
      { variable: 'LLM_LOCAL_MODEL', reason: 'must be one of smollm2-135m, qwen2.5-coder-0.5b, qwen2.5-coder-1.5b (got "gpt-5")' },
    ]);
    expect(problems({ LLM_LOCAL_MODEL: 'smollm2-135m', LLM_CONTEXT_SIZE: '16384' })).toEqual([
      { variable: 'LLM_CONTEXT_SIZE', reason: 'must be at most 8192, the context smollm2-135m was trained with (got "16384")' },
    ]);
    expect(problems({ LLM_CONTEXT_SIZE: '1024', LLM_MAX_TOKENS: '1024' })[0].variable).toBe('LLM_MAX_TOKENS');
    expect(problems({ LLM_PARALLEL: '0' })[0]).toEqual({ variable: 'LLM_PARALLEL', reason: 'must be an integer between 1 and 256 (got "0")' });
  });
});
