import { llmConfigSchema } from '../../llm/src/llm.config';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { gatewayConfigSchema } from '../../../apps/gateway/src/gateway.config';
import { commonConfigSchema } from './common.config';
import { ConfigError } from './config-error';
import { boolVar, numberVar } from './env-vars';
import { parseEnv, readEnvironment } from './parse-env';

const SECRET = 's'.repeat(32);

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseEnv', () => {
  it('applies every default when nothing is set', () => {
    expect(parseEnv(commonConfigSchema, {})).toEqual({
      DATA_DIR: './data',
      MODELS_DIR: './models',
      LOG_LEVEL: 'info',
      TRANSPORT: 'in-process',
      TRANSPORT_PARTITIONS: 8,
      TRANSPORT_QUEUE_CAPACITY: 256,
      TRANSPORT_CONCURRENCY: 64,
      TRANSPORT_MAX_ATTEMPTS: 3,
      TRANSPORT_RETRY_BASE_MS: 100,
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      OTEL_SERVICE_NAME: '',
      OTEL_TRACES_SAMPLER_ARG: 1,
    });
  });

  it('takes an OTLP endpoint URL and refuses anything else, naming the variable', () => {
    expect(parseEnv(commonConfigSchema, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' }).OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://jaeger:4318');
    const err = configError(() => parseEnv(commonConfigSchema, { OTEL_EXPORTER_OTLP_ENDPOINT: 'jaeger:4318' }));
    expect(err.problems[0].variable).toBe('OTEL_EXPORTER_OTLP_ENDPOINT');
    expect(err.problems[0].reason).toContain('must be an http(s) URL');
    expect(configError(() => parseEnv(commonConfigSchema, { OTEL_TRACES_SAMPLER_ARG: '1.5' })).problems[0]).toEqual({
      variable: 'OTEL_TRACES_SAMPLER_ARG',
      reason: 'must be a number between 0 and 1 (got "1.5")',
    });
  });

  it('treats empty and blank values as unset, so the default applies', () => {
    const config = parseEnv(commonConfigSchema, { DATA_DIR: '', TRANSPORT_PARTITIONS: '   ' });
    expect(config.DATA_DIR).toBe('./data');
    expect(config.TRANSPORT_PARTITIONS).toBe(8);
  });

  it('coerces numbers, trims values, and ignores variables the schema does not name', () => {
    const config = parseEnv(gatewayConfigSchema, { PORT: ' 8080 ', AUTH_SECRET: SECRET, HOME: '/root', HISTORY_MAX_TURNS: '0' });
    expect(config.PORT).toBe(8080);
    expect(config.HISTORY_MAX_TURNS).toBe(0);
    expect(config.AUTH_SECRET).toBe(SECRET);
    expect(config).not.toHaveProperty('HOME');
    expect(config.HOST).toBe('127.0.0.1');
  });

  it.each(['abc', '0', '65536', '80.5', '-1'])('refuses PORT=%s with a ConfigError naming PORT and the value', (port) => {
    const err = configError(() => parseEnv(gatewayConfigSchema, { PORT: port, AUTH_SECRET: SECRET }));
    expect(err.problems).toEqual([{ variable: 'PORT', reason: `must be an integer between 1 and 65535 (got "${port}")` }]);
    expect(err.message).toContain('PORT: must be an integer between 1 and 65535');
  });

  it('refuses a missing AUTH_SECRET, saying it is required and not set', () => {
    const err = configError(() => parseEnv(gatewayConfigSchema, {}));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0].variable).toBe('AUTH_SECRET');
    expect(err.problems[0].reason).toMatch(/^is required.*\(not set\)$/);
  });

  it('refuses an AUTH_SECRET shorter than 32 characters', () => {
    const err = configError(() => parseEnv(gatewayConfigSchema, { AUTH_SECRET: 's'.repeat(31) }));
    expect(err.problems).toEqual([{ variable: 'AUTH_SECRET', reason: expect.stringMatching(/^must be at least 32 characters/) }]);
  });

  it('reports every bad variable at once', () => {
    const err = configError(() => parseEnv(commonConfigSchema, { LOG_LEVEL: 'verbose', TRANSPORT: 'rabbitmq', TRANSPORT_PARTITIONS: '0' }));
    expect(err.problems.map((p) => p.variable).sort()).toEqual(['LOG_LEVEL', 'TRANSPORT', 'TRANSPORT_PARTITIONS']);
    expect(err.problems.find((p) => p.variable === 'LOG_LEVEL')!.reason).toBe(
      'must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")',
    );
    expect(err.name).toBe('ConfigError');
  });

  it('reads booleans and bounded decimals', () => {
    const schema = z.object({ FLAG: boolVar(false), OTHER: boolVar(true), RATIO: numberVar(0.5, 0, 1) });
    expect(parseEnv(schema, { FLAG: '1', OTHER: 'false', RATIO: '0.25' })).toEqual({ FLAG: true, OTHER: false, RATIO: 0.25 });
    expect(parseEnv(schema, {})).toEqual({ FLAG: false, OTHER: true, RATIO: 0.5 });
    expect(configError(() => parseEnv(schema, { FLAG: 'yes' })).problems[0]).toEqual({
      variable: 'FLAG',
      reason: 'must be true or false (got "yes")',
    });
    expect(configError(() => parseEnv(schema, { RATIO: '1.5' })).problems[0].variable).toBe('RATIO');
  });
});

// Reading a .env file is left to the e2e tests: process.loadEnvFile writes the real environment, which Jest's
// sandboxed process.env does not reflect.
describe('readEnvironment', () => {
  const VAR = 'RELAY_TEST_FROM_PROCESS';

  afterEach(() => {
    delete process.env[VAR];
  });

  it('returns the real environment when there is no .env file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-env-'));
    try {
      process.env[VAR] = 'from-process';
      const env = readEnvironment(join(dir, 'missing.env'));
      expect(env[VAR]).toBe('from-process');
      // A copy: changing it does not change process.env.
      env[VAR] = 'changed';
      expect(process.env[VAR]).toBe('from-process');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseEnv across fields', () => {
  it('names the variable of a cross-field rule and shows its value when it is not a secret', () => {
    expect(() => parseEnv(llmConfigSchema, { LLM_MAX_TOKENS: '4096', LLM_CONTEXT_SIZE: '2048' })).toThrow(
      'LLM_MAX_TOKENS: must be less than LLM_CONTEXT_SIZE (2048), leaving room for the prompt (got "4096")',
    );
  });
});
