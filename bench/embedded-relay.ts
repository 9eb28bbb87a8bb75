import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { createInProcessTransport } from '@relay/transport';
import { RelayModule } from '../apps/relay/src/relay.module';
import type { RelayConfig } from '../apps/relay/src/relay.config';

/** The embedded app as `npm start` composes it, on a free port of 127.0.0.1, for the benchmarks that chat with it. */
export async function startEmbeddedRelay(config: RelayConfig): Promise<{ app: INestApplication; url: string }> {
  const transport = createInProcessTransport(config.common);
  const app = await NestFactory.create(RelayModule.forRoot(config, transport), { logger: ['error'] });
  app.connectMicroservice({ strategy: transport.server }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

/** Waits until the app answers /health/ready (models loaded, knowledge base indexed), at most `timeoutMs`. */
export async function waitReady(url: string, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // A refused or reset connection while it starts is as good as not ready yet.
    if ((await fetch(`${url}/health/ready`).catch(() => undefined))?.status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`app not ready after ${timeoutMs} ms`);
}
