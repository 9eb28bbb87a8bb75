import 'reflect-metadata';
import { commonConfigSchema, httpConfigSchema, parseEnv, readEnvironment } from '@relay/config';
import { llmConfigSchema } from '@relay/llm';
import { loadConfigOrExit, startApp } from '@relay/runtime';
import { createTransport, kafkaConfigSchema } from '@relay/transport';
import { LlmWorkerAppModule } from './llm-worker-app.module';
import { llmWorkerConfigSchema } from './llm-worker.config';

/** `npm run start:llm-worker`: an LLM worker as its own process (any number of replicas). */
async function bootstrap(): Promise<void> {
  const env = readEnvironment();
  const config = loadConfigOrExit(() => ({
    common: parseEnv(commonConfigSchema, env),
    http: parseEnv(httpConfigSchema, env),
    llm: parseEnv(llmConfigSchema, env),
    llmWorker: parseEnv(llmWorkerConfigSchema, env),
    kafka: parseEnv(kafkaConfigSchema, env),
  }));
  // Generation takes at least LLM_PARALLEL prompts at once (when set; sized from the machine otherwise, at most 32,
  // under TRANSPORT_CONCURRENCY's default), whatever partitions it holds; more wait in its queue.
  const generation = { 'llm-worker': Math.max(config.common.TRANSPORT_CONCURRENCY, config.llm.LLM_PARALLEL ?? 1) };
  const transport = createTransport(config.common, config.kafka, 'llm-worker', generation);
  await startApp({ name: 'llm-worker', module: LlmWorkerAppModule.forRoot(config, transport), transport, port: config.http.PORT, host: config.http.HOST, tracing: config.common });
}

void bootstrap();
