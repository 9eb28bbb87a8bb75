import { Controller, Module } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { commonConfigSchema, parseEnv } from '@relay/config';
import { createEnvelope, TOPICS } from '@relay/contracts';
import { ObservabilityModule, RelayLoggerModule } from '@relay/observability';
import { startApp } from '@relay/runtime';
import { createInProcessTransport, TopicPublisher, TransportModule } from '@relay/transport';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const calls: string[] = [];

@Controller()
class FirstListener {
  @EventPattern(TOPICS.control, { stage: 'first', delivery: 'every-replica' })
  async handle(): Promise<void> {
    calls.push('first');
  }
}

@Controller()
class SecondListener {
  @EventPattern(TOPICS.control, { stage: 'second', delivery: 'every-replica' })
  async handle(): Promise<void> {
    calls.push('second');
  }
}

// In the embedded app two modules can listen to one topic (the gateway and the retriever both hear docs.indexed):
// Nest chains such handlers, and each must run exactly once per record.
describe('two handlers of one topic in one process', () => {
  it('runs each once per record', async () => {
    const transport = createInProcessTransport(parseEnv(commonConfigSchema, { LOG_LEVEL: 'silent' }));
    @Module({
      imports: [
        RelayLoggerModule.forRoot({ level: 'silent' }),
        ObservabilityModule.forRoot({ auditLogPath: join(tmpdir(), `relay-medium-audit-${process.pid}.jsonl`) }),
        TransportModule.forRoot(transport),
      ],
      controllers: [FirstListener, SecondListener],
    })
    class TwoListeners {}
    const app = await startApp({ name: 'two-listeners', module: { module: TwoListeners }, transport, port: 0, host: '127.0.0.1' });
    try {
      await app.get(TopicPublisher).publish(TOPICS.control, createEnvelope({ sessionId: 's1', payload: { type: 'cancel' as const } }) as never);
      for (let i = 0; i < 100 && calls.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 100)); // room for a second, wrong call
      expect(calls.sort()).toEqual(['first', 'second']);
    } finally {
      await app.close();
    }
  });
});
