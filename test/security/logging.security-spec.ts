import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TOPICS } from '@relay/contracts';
import { RelayLoggerModule } from '@relay/observability';
import { RecordDispatcher, type TransportRecord } from '@relay/transport';
import { Logger, PinoLogger } from 'nestjs-pino';
import { Writable } from 'node:stream';
import request from 'supertest';
import { ChatClient, createSession } from '../support/chat-client';
import { MediumRelay, startMediumRelay } from '../medium/relay-app';

// Finding 9: a dead letter that could not be published was logged whole (user text and history); redaction reached
// one level only; `x-correlation-id` was taken unchecked; chat:cancel with a deleted session's token logged an
// INTERNAL error with a stack on every call.

const SECRET_TEXT = 'my salary is 123456 and my password is hunter2';

describe('finding 9: logs keep user text out', () => {
  it('logs a dead letter it cannot publish by its ids and size, never its text', async () => {
    const logged: object[] = [];
    const logger = { warn: (o: object, msg: string) => void logged.push({ ...o, msg }), error: (o: object, msg: string) => void logged.push({ ...o, msg }) };
    const dispatcher = new RecordDispatcher({ maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, async () => Promise.reject(new Error('broker down')), logger);
    const record: TransportRecord = {
      topic: TOPICS.queries,
      key: 's-1',
      value: JSON.stringify({ sessionId: 's-1', payload: { text: SECRET_TEXT, history: [{ role: 'user', text: SECRET_TEXT }] } }),
      headers: { 'x-correlation-id': 'c-1' },
    };
    await dispatcher.dispatch(record, { stage: 'test', handle: async () => undefined });
    const all = JSON.stringify(logged);
    expect(all).toContain('could not publish dead letter');
    expect(all).toContain('s-1');
    expect(all).not.toContain('hunter2');
  });

  it('redacts text, tokens and secrets at any depth, and takes x-correlation-id only when it is a UUID', async () => {
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });

    @Controller('probe')
    class ProbeController {
      constructor(private readonly log: PinoLogger) {}
      @Get()
      probe() {
        this.log.info({ msg: 'nested', envelope: { payload: { history: [{ role: 'user', text: SECRET_TEXT }], token: 'tok-abc' } }, auth: { apiKey: 'k-1' } });
        return { ok: true };
      }
    }
    @Module({ imports: [RelayLoggerModule.forRoot({ level: 'info', destination })], controllers: [ProbeController] })
    class ProbeModule {}

    const app = await NestFactory.create(ProbeModule, { bufferLogs: true });
    app.useLogger(app.get(Logger));
    await app.listen(0, '127.0.0.1');
    try {
      const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      await request(url).get('/probe').set('x-correlation-id', `<script>${'x'.repeat(5000)}`).expect(200);
      const uuid = '6f1c9a52-3b7e-4d2a-9c1f-2e8b7a6d5c4b';
      await request(url).get('/probe').set('x-correlation-id', uuid).expect(200);
      const all = lines.join('');
      expect(all).toContain('"msg":"nested"');
      expect(all).not.toContain('hunter2');
      expect(all).not.toContain('tok-abc');
      expect(all).not.toContain('k-1');
      expect(all).not.toContain('<script>');
      expect(all).toContain(uuid);
    } finally {
      await app.close();
    }
  });
});

describe('finding 9: chat:cancel for a deleted session', () => {
  let relay: MediumRelay;
  beforeAll(async () => {
    relay = await startMediumRelay();
  });
  afterAll(() => relay.app.close());

  it('answers UNKNOWN_SESSION, not INTERNAL', async () => {
    const session = await createSession(relay.url);
    const client = await ChatClient.connect(relay.url, session.token);
    await request(relay.url).delete(`/api/sessions/${session.sessionId}`).set('Authorization', `Bearer ${session.token}`).expect(200);
    const ack = await client.emitWithAck<{ ok: boolean; error?: { code: string } }>('chat:cancel', { messageId: '00000000-0000-4000-8000-000000000000' });
    client.close();
    expect(ack).toMatchObject({ ok: false, error: { code: 'UNKNOWN_SESSION' } });
  });
});
