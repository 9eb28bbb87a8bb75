import { commonConfigSchema, httpConfigSchema } from '@relay/config';
import { databaseConfigFields } from '@relay/database';
import { embeddingsConfigSchema } from '@relay/embeddings';
import { llmConfigFields } from '@relay/llm';
import { kafkaConfigSchema } from '@relay/transport';
import { vectorStoreConfigSchema } from '@relay/vector-store';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayConfigSchema } from '../../gateway/src/gateway.config';
import { llmWorkerConfigSchema } from '../../llm-worker/src/llm-worker.config';
import { pipelineConfigSchema } from '../../pipeline/src/pipeline.config';

describe('.env.example', () => {
  const listed = new Set(
    readFileSync(join(__dirname, '../../../.env.example'), 'utf8')
      .split('\n')
      .map((line) => /^([A-Z0-9_]+)=/.exec(line)?.[1])
      .filter(Boolean),
  );
  const schemas = { commonConfigSchema, httpConfigSchema, gatewayConfigSchema, pipelineConfigSchema, llmConfigFields, llmWorkerConfigSchema, embeddingsConfigSchema, kafkaConfigSchema, vectorStoreConfigSchema, databaseConfigFields };

  it.each(Object.entries(schemas))('lists every variable %s reads', (_name, schema) => {
    const missing = Object.keys(schema.shape).filter((key) => !listed.has(key));
    expect(missing).toEqual([]);
  });
});
