import request from 'supertest';
import { ChatClient, createSession } from '../support/chat-client';
import { MediumRelay, startMediumRelay } from '../medium/relay-app';

// Finding 5: the chat rate limit was a token bucket per socket (N sockets on one token got N times the rate),
// POST /api/sessions had no limit, and chat:history, chat:cancel and chat:resume were not limited at all.

type SendAck = { ok: true; messageId: string } | { ok: false; error: { code: string; retryAfterMs?: number } };

describe('finding 5: rate limits keyed by session and by client address', () => {
  let relay: MediumRelay;

  afterEach(() => relay.app.close());

  it('gives many sockets on one session token the rate of one session, not one rate each', async () => {
    relay = await startMediumRelay({ CHAT_RATE_PER_SEC: '1', CHAT_RATE_BURST: '3' });
    const session = await createSession(relay.url);
    const clients = await Promise.all(Array.from({ length: 6 }, () => ChatClient.connect(relay.url, session.token)));
    const acks = await Promise.all(
      clients.flatMap((c, i) => [0, 1, 2].map((j) => c.emitWithAck<SendAck>('chat:send', { sessionId: session.sessionId, clientMessageId: `m-${i}-${j}`, text: 'hi' }))),
    );
    clients.forEach((c) => c.close());
    const accepted = acks.filter((a) => a.ok).length;
    // The burst (3), plus at most one token refilled while the 18 sends arrive.
    expect(accepted).toBeLessThanOrEqual(4);
    const refused = acks.filter((a): a is Extract<SendAck, { ok: false }> => !a.ok);
    expect(refused.length).toBeGreaterThanOrEqual(14);
    expect(refused.every((a) => a.error.code === 'RATE_LIMITED' && (a.error.retryAfterMs ?? 0) > 0)).toBe(true);
  });

  it('limits session creation per client address: a flood is refused with 429 and Retry-After', async () => {
    relay = await startMediumRelay({ SESSION_CREATE_PER_MIN: '60', SESSION_CREATE_BURST: '20' });
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 60; i++) {
      const res = await request(relay.url).post('/api/sessions').send({});
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter ??= res.headers['retry-after'];
        expect(res.body.error.code).toBe('RATE_LIMITED');
      }
    }
    expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(22);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(38);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('limits chat:history, chat:cancel and chat:resume by client address', async () => {
    relay = await startMediumRelay({ CLIENT_RATE_PER_SEC: '1', CLIENT_RATE_BURST: '10' });
    const session = await createSession(relay.url);
    const client = await ChatClient.connect(relay.url, session.token);
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => client.emitWithAck<{ ok: boolean; error?: { code: string } }>('chat:history', { sessionId: session.sessionId })),
      ...Array.from({ length: 10 }, () => client.emitWithAck<{ ok: boolean; error?: { code: string } }>('chat:cancel', { messageId: '00000000-0000-4000-8000-000000000000' })),
      ...Array.from({ length: 10 }, () =>
        client.emitWithAck<{ ok: boolean; error?: { code: string } }>('chat:resume', { sessionId: session.sessionId, messageId: '00000000-0000-4000-8000-000000000000', fromSeq: 0 }),
      ),
    ]);
    client.close();
    const limited = results.filter((r) => !r.ok && r.error?.code === 'RATE_LIMITED').length;
    expect(limited).toBeGreaterThanOrEqual(15);
  });
});
