import 'reflect-metadata';
import { readEnvironment } from '@relay/config';
import { loadConfigOrExit, startApp } from '@relay/runtime';
import { createTransport } from '@relay/transport';
import { loadRelayConfig } from './relay.config';
import { RelayModule } from './relay.module';

/** `npm start`: gateway, pipeline and LLM worker in one process, over the in-process transport by default. */
async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(() => loadRelayConfig(readEnvironment()));
  // Generation takes at least LLM_PARALLEL prompts at once (when set; sized from the machine otherwise, at most 32,
  // under TRANSPORT_CONCURRENCY's default), whatever partitions it holds; more wait in its queue.
  const generation = { 'llm-worker': Math.max(config.common.TRANSPORT_CONCURRENCY, config.llm.LLM_PARALLEL ?? 1) };
  const transport = createTransport(config.common, config.kafka, 'relay', generation);
  await startApp({ name: 'relay', module: RelayModule.forRoot(config, transport), transport, port: config.gateway.PORT, host: config.gateway.HOST, tracing: config.common });
}

void bootstrap();
