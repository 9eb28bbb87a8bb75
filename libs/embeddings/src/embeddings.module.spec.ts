import type { FactoryProvider, Provider } from '@nestjs/common';
import { parseEnv } from '@relay/config';
import { EMBEDDER } from './embedder.port';
import { embeddingsConfigSchema } from './embeddings.config';
import { EmbeddingsModule } from './embeddings.module';
import { MicroBatchingEmbedder } from './micro-batching/micro-batching-embedder';
import { OpenAiCompatibleEmbedder } from './openai-compatible/openai-compatible.embedder';
import { TransformersJsEmbedder } from './transformers-js/transformers-js.embedder';

const embedderOf = (providers: Provider[]) => {
  const provided = (providers.find((p) => typeof p === 'object' && 'provide' in p && p.provide === EMBEDDER) as FactoryProvider).useFactory();
  expect(provided).toBeInstanceOf(MicroBatchingEmbedder);
  return (provided as MicroBatchingEmbedder).inner;
};

describe('EmbeddingsModule.forRoot', () => {
  it('chooses the adapter EMBEDDINGS_PROVIDER names, behind micro-batching', () => {
    expect(embedderOf(EmbeddingsModule.forRoot(parseEnv(embeddingsConfigSchema, {})).providers!)).toBeInstanceOf(TransformersJsEmbedder);
    const remote = parseEnv(embeddingsConfigSchema, { EMBEDDINGS_PROVIDER: 'openai-compatible', EMBEDDINGS_BASE_URL: 'http://embed:11434/v1' });
    expect(embedderOf(EmbeddingsModule.forRoot(remote).providers!)).toBeInstanceOf(OpenAiCompatibleEmbedder);
  });

  it('names the variable when the base URL is not an http(s) URL', () => {
    expect(() => parseEnv(embeddingsConfigSchema, { EMBEDDINGS_BASE_URL: 'ftp://x/v1' })).toThrow('EMBEDDINGS_BASE_URL: must be an http(s) URL');
  });
});
