import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError } from '@relay/config';
import type { RelayTransport } from '@relay/transport';
import { Logger } from 'nestjs-pino';

/** Runs `load`; on a ConfigError prints which variables are wrong and why, and exits 1 before anything starts. */
export function loadConfigOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\nSee .env.example for every variable and its default.\n`);
    process.exit(1);
  }
}

/**
 * Starts one Relay process: its HTTP server (API and/or health endpoints), its transport server (the message
 * handlers), shutdown on SIGTERM that stops taking work, finishes what is in flight and leaves the Kafka groups.
 */
export async function startApp(options: { name: string; module: DynamicModule; transport: RelayTransport; port: number; host: string }): Promise<INestApplication> {
  const app = await NestFactory.create(options.module, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  app.connectMicroservice({ strategy: options.transport.server }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(options.port, options.host);
  app.get(Logger).log({ msg: `${options.name} listening`, url: `http://localhost:${options.port}`, transport: options.transport.kind });
  return app;
}
