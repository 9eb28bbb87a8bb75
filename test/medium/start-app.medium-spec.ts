import { ArgumentsHost, Catch, Controller, ExceptionFilter, Get, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { Response } from 'express';
import { EventPattern } from '@nestjs/microservices';
import { commonConfigSchema, parseEnv } from '@relay/config';
import { createEnvelope, DEAD_LETTER_HEADERS, TOPICS } from '@relay/contracts';
import { ObservabilityModule, RelayLoggerModule } from '@relay/observability';
import { startApp } from '@relay/runtime';
import { createInProcessTransport, TopicPublisher, TransportModule, TransportRecord } from '@relay/transport';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

@Controller()
class FailingStage {
  @EventPattern(TOPICS.control, { stage: 'failing-stage' })
  handle(): Promise<void> {
    return Promise.reject(new Error('model server unreachable'));
  }
}

@Controller()
class FailingRoute {
  @Get('fail')
  fail(): never {
    throw new Error('no such thing');
  }
}

/** Stands for an app's own REST error mapping, like the gateway's RelayExceptionFilter. */
@Catch()
class TeapotFilter implements ExceptionFilter {
  catch(exception: Error, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<Response>().status(418).json({ error: exception.message });
  }
}

// An app started the way every Relay process starts (startApp), without the gateway's module: a handler's error
// must reach the dead letter as thrown, not as Nest's generic "Internal server error".
describe('startApp', () => {
  it("dead-letters a failing handler with the reason it threw, while HTTP errors still get the app's own filter", async () => {
    const transport = createInProcessTransport(parseEnv(commonConfigSchema, { TRANSPORT_RETRY_BASE_MS: '1', LOG_LEVEL: 'silent' }));
    @Module({
      imports: [
        RelayLoggerModule.forRoot({ level: 'silent' }),
        ObservabilityModule.forRoot({ auditLogPath: join(tmpdir(), `relay-medium-audit-${process.pid}.jsonl`) }),
        TransportModule.forRoot(transport),
      ],
      controllers: [FailingStage, FailingRoute],
      providers: [{ provide: APP_FILTER, useClass: TeapotFilter }],
    })
    class FailingApp {}
    const app = await startApp({ name: 'failing', module: { module: FailingApp }, transport, port: 0, host: '127.0.0.1' });
    try {
      const letters: TransportRecord[] = [];
      transport.broker.subscribe(TOPICS.deadLetters, 'test', async (record) => void letters.push(record));
      await app.get(TopicPublisher).publish(TOPICS.control, createEnvelope({ sessionId: 's1', payload: { type: 'cancel' as const } }) as never);
      for (let i = 0; i < 200 && letters.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(letters).toHaveLength(1);
      expect(letters[0].headers[DEAD_LETTER_HEADERS.reason]).toBe('model server unreachable');
      expect(letters[0].headers[DEAD_LETTER_HEADERS.stage]).toBe('failing-stage');
      const res = await fetch(`${await app.getUrl()}/fail`);
      expect(res.status).toBe(418);
      expect(await res.json()).toEqual({ error: 'no such thing' });
    } finally {
      await app.close();
    }
  });
});
