import 'reflect-metadata';
import { commonConfigSchema, httpConfigSchema, parseEnv, readEnvironment } from '@relay/config';
import { embeddingsConfigSchema } from '@relay/embeddings';
import { llmConfigSchema } from '@relay/llm';
import { loadConfigOrExit, startApp } from '@relay/runtime';
import { createTransport, kafkaConfigSchema } from '@relay/transport';
import { vectorStoreConfigSchema } from '@relay/vector-store';
import { PipelineAppModule } from './pipeline-app.module';
import { pipelineConfigSchema } from './pipeline.config';

/** `npm run start:pipeline`: the pipeline stages as their own process (any number of replicas). */
async function bootstrap(): Promise<void> {
  const env = readEnvironment();
  const config = loadConfigOrExit(() => ({
    common: parseEnv(commonConfigSchema, env),
    http: parseEnv(httpConfigSchema, env),
    pipeline: parseEnv(pipelineConfigSchema, env),
    embeddings: parseEnv(embeddingsConfigSchema, env),
    llm: parseEnv(llmConfigSchema, env),
    kafka: parseEnv(kafkaConfigSchema, env),
    vectorStore: parseEnv(vectorStoreConfigSchema, env),
  }));
  const transport = createTransport(config.common, config.kafka, 'pipeline');
  await startApp({ name: 'pipeline', module: PipelineAppModule.forRoot(config, transport), transport, port: config.http.PORT, host: config.http.HOST, tracing: config.common });
}

void bootstrap();
