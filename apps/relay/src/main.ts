import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, readEnvironment } from '@relay/config';
import { createInProcessTransport } from '@relay/transport';
import { Logger } from 'nestjs-pino';
import { loadRelayConfig } from './relay.config';
import { RelayModule } from './relay.module';

/** `npm start`: gateway, pipeline and LLM worker in one process over the in-process transport. */
async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadRelayConfig(readEnvironment());
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee .env.example for every variable and its default.\n`);
      process.exit(1);
    }
    throw err;
  }
  const transport = createInProcessTransport(config.common);
  const app = await NestFactory.create(RelayModule.forRoot(config, transport), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  app.connectMicroservice({ strategy: transport.server }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(config.gateway.PORT, config.gateway.HOST);
  app.get(Logger).log({ msg: 'relay listening', url: `http://localhost:${config.gateway.PORT}`, transport: 'in-process' });
}

void bootstrap();
