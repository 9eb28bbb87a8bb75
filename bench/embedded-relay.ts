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
