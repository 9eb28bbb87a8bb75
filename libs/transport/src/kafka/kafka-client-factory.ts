import { Kafka, logLevel, SASLOptions } from 'kafkajs';
import type { KafkaConfig } from './kafka.config';

/** One kafkajs client from config: brokers, TLS and SASL. */
export function createKafka(config: KafkaConfig, clientId = config.KAFKA_CLIENT_ID, options: { retry?: boolean } = {}): Kafka {
  const sasl: SASLOptions | undefined =
    config.KAFKA_SASL_MECHANISM === 'none'
      ? undefined
      : ({ mechanism: config.KAFKA_SASL_MECHANISM, username: config.KAFKA_SASL_USERNAME, password: config.KAFKA_SASL_PASSWORD } as SASLOptions);
  return new Kafka({
    clientId,
    brokers: config.KAFKA_BROKERS.split(',').map((b) => b.trim()),
    ssl: config.KAFKA_SSL,
    sasl,
    logLevel: logLevel.WARN,
    // kafkajs gives a TCP connection 1 s by default; a busy machine (brokers and models starting on two cores) can
    // take longer, and a failed first connect stops the process.
    connectionTimeout: 5000,
    // Idempotent producers must keep kafkajs's own retry settings; everything else retries a little longer.
    retry: options.retry === false ? undefined : { initialRetryTime: 200, retries: 8 },
  });
}
