import { DynamicModule, Global, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { commonConfigSchema, parseEnv } from '@relay/config';
import { EMBEDDER, EMBEDDING_TOKENIZER } from '@relay/embeddings';
import { LLM, PROMPT_TOKENIZER } from '@relay/llm';
import { ObservabilityModule } from '@relay/observability';
import { FileSessionStore, SESSION_STORE } from '@relay/session-store';
import { KEYWORD_INDEX, type KeywordIndex } from '@relay/retrieval';
import { ControllableEmbedder, FakePromptTokenizer, InMemoryKeywordIndex, InMemoryVectorStore, ScriptedLlm, WordTokenizer } from '@relay/testing';
import { createInProcessTransport, InProcessBroker, InProcessTransport, TransportModule } from '@relay/transport';
import { VECTOR_STORE, type VectorStore } from '@relay/vector-store';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayConfigSchema } from '../../apps/gateway/src/gateway.config';
import { GatewayModule } from '../../apps/gateway/src/gateway.module';
import { llmWorkerConfigSchema } from '../../apps/llm-worker/src/llm-worker.config';
import { LlmWorkerModule } from '../../apps/llm-worker/src/llm-worker.module';
import { pipelineConfigSchema } from '../../apps/pipeline/src/pipeline.config';
import { PipelineModule } from '../../apps/pipeline/src/pipeline.module';

export interface MediumRelay {
  app: INestApplication;
  url: string;
  broker: InProcessBroker;
  embedder: ControllableEmbedder;
  llm: ScriptedLlm;
  transport: InProcessTransport;
  dataDir: string;
}

/**
 * The three apps composed as the embedded default composes them, with fake models and a real transport. The fake
 * embedder's vectors are hashes, so relevance means nothing here: the relevance gate is off unless `env` turns it on.
 * `llmAnswer`: the fake model's answer (one piece per token), unless `llm` gives the whole fake model.
 */
export async function startMediumRelay(
  env: Record<string, string> = {},
  options: { dataDir?: string; auditLogPath?: string; llm?: ScriptedLlm; llmAnswer?: string; vectorStore?: VectorStore; keywordIndex?: KeywordIndex } = {},
): Promise<MediumRelay> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'relay-medium-'));
  const all = { AUTH_SECRET: 'medium-secret-medium-secret-medium-secret', SEED_KNOWLEDGE_BASE: 'false', TRANSPORT_RETRY_BASE_MS: '1', RELEVANCE_GATE: 'false', ...env };
  const common = parseEnv(commonConfigSchema, all);
  const transport = createInProcessTransport(common);
  const embedder = new ControllableEmbedder();
  const llm = options.llm ?? (options.llmAnswer === undefined ? new ScriptedLlm() : new ScriptedLlm(options.llmAnswer, 1));

  @Global()
  @Module({
    providers: [
      { provide: EMBEDDER, useValue: embedder },
      { provide: LLM, useValue: llm },
      { provide: PROMPT_TOKENIZER, useValue: new FakePromptTokenizer(2048) },
      { provide: VECTOR_STORE, useValue: options.vectorStore ?? new InMemoryVectorStore() },
      { provide: KEYWORD_INDEX, useValue: options.keywordIndex ?? new InMemoryKeywordIndex() },
      { provide: EMBEDDING_TOKENIZER, useValue: new WordTokenizer() },
      { provide: SESSION_STORE, useValue: new FileSessionStore(join(dataDir, 'sessions'), { cacheSize: parseEnv(gatewayConfigSchema, all).SESSION_CACHE_SIZE }) },
    ],
    exports: [EMBEDDER, LLM, PROMPT_TOKENIZER, VECTOR_STORE, KEYWORD_INDEX, EMBEDDING_TOKENIZER, SESSION_STORE],
  })
  class FakePortsModule {}

  const root: DynamicModule = {
    module: class MediumRelayModule {},
    imports: [
      ObservabilityModule.forRoot({ auditLogPath: options.auditLogPath ?? join(dataDir, 'audit.jsonl') }),
      TransportModule.forRoot(transport),
      FakePortsModule,
      GatewayModule.forRoot(parseEnv(gatewayConfigSchema, all), { dataDir }),
      PipelineModule.forRoot(parseEnv(pipelineConfigSchema, all), { dataDir }),
      LlmWorkerModule.forRoot(parseEnv(llmWorkerConfigSchema, all)),
    ],
  };
  const app = await NestFactory.create(root, { logger: false });
  app.connectMicroservice({ strategy: transport.server }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1'), broker: transport.broker, embedder, llm, transport, dataDir };
}
