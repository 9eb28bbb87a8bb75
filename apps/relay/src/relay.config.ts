import { gatewayConfigSchema } from '../../gateway/src/gateway.config';
import { pipelineConfigSchema } from '../../pipeline/src/pipeline.config';
import { commonConfigSchema, ConfigError, Env, parseEnv } from '@relay/config';
import { databaseConfigSchema } from '@relay/database';
import { embeddingsConfigSchema } from '@relay/embeddings';
import { llmConfigSchema } from '@relay/llm';
import { llmWorkerConfigSchema } from '../../llm-worker/src/llm-worker.config';
import { kafkaConfigSchema } from '@relay/transport';
import { vectorStoreConfigSchema } from '@relay/vector-store';

/** Everything the embedded default reads from the environment, validated up front, every problem reported at once. */
export function loadRelayConfig(env: Env) {
  const problems: ConfigError['problems'] = [];
  const parse = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
      return undefined as T;
    }
  };
  const config = {
    common: parse(() => parseEnv(commonConfigSchema, env)),
    gateway: parse(() => parseEnv(gatewayConfigSchema, env)),
    pipeline: parse(() => parseEnv(pipelineConfigSchema, env)),
    llm: parse(() => parseEnv(llmConfigSchema, env)),
    llmWorker: parse(() => parseEnv(llmWorkerConfigSchema, env)),
    embeddings: parse(() => parseEnv(embeddingsConfigSchema, env)),
    kafka: parse(() => parseEnv(kafkaConfigSchema, env)),
    vectorStore: parse(() => parseEnv(vectorStoreConfigSchema, env)),
    database: parse(() => parseEnv(databaseConfigSchema, env)),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
export type RelayConfig = ReturnType<typeof loadRelayConfig>;
