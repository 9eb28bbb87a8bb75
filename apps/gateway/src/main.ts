import 'reflect-metadata';
import { commonConfigSchema, parseEnv, readEnvironment } from '@relay/config';
import { databaseConfigSchema } from '@relay/database';
import { loadConfigOrExit, startApp } from '@relay/runtime';
import { createTransport, kafkaConfigSchema } from '@relay/transport';
import { GatewayAppModule } from './gateway-app.module';
import { gatewayConfigSchema } from './gateway.config';

/** `npm run start:gateway`: a gateway as its own process (any number of replicas behind a load balancer). */
async function bootstrap(): Promise<void> {
  const env = readEnvironment();
  const config = loadConfigOrExit(() => ({
    common: parseEnv(commonConfigSchema, env),
    gateway: parseEnv(gatewayConfigSchema, env),
    database: parseEnv(databaseConfigSchema, env),
    kafka: parseEnv(kafkaConfigSchema, env),
  }));
  const transport = createTransport(config.common, config.kafka, 'gateway');
  await startApp({ name: 'gateway', module: GatewayAppModule.forRoot(config, transport), transport, port: config.gateway.PORT, host: config.gateway.HOST, tracing: config.common });
}

void bootstrap();
