import { ChatClient, createSession, Session } from '../support/chat-client';
import { RelayProcess } from '../support/relay-process';

// The embedded app as `npm start` runs it, with the real SmolLM2 and MiniLM models and the shipped knowledge base,
// driven over HTTP and Socket.IO. Short answers (LLM_MAX_TOKENS) keep it quick. These test the plumbing, so every
// question reaches the model (RELEVANCE_GATE=false); grounding is tested in grounded-answers.e2e-spec.ts.
const APP_ENV = { LLM_MAX_TOKENS: '32', MAX_MESSAGE_CHARS: '300', PROFANITY_POLICY: 'mask', RELEVANCE_GATE: 'false' };

describe('Relay embedded app, end to end', () => {
  let relay: RelayProcess;
  let session: Session;
  let client: ChatClient;

  beforeAll(async () => {
    relay = await RelayProcess.start(APP_ENV);
    session = await createSession(relay.baseUrl);
    client = await ChatClient.connect(relay.baseUrl, session.token);
  });

  afterAll(async () => {
    client?.close();
    await relay?.stop();
  });

  it('reports every dependency ready, by name', async () => {
    const res = await fetch(`${relay.baseUrl}/health/ready`);
    const body = (await res.json()) as { status: string; details: Record<string, { status: string }> };
    expect(res.status).toBe(200);
    expect(Object.keys(body.details).sort()).toEqual(['audit-log', 'embedder', 'keyword-index', 'knowledge-base', 'llm', 'session-store', 'transport', 'vector-store']);
    expect((await fetch(`${relay.baseUrl}/health/live`)).status).toBe(200);
  });

  it('streams an answer whose chunks join to the final text, grounded in the knowledge base', async () => {
    const answer = await client.ask(session.sessionId, 'How do I run the tests of Relay?');
    expect(answer.ack).toEqual({ ok: true, messageId: expect.any(String) });
    expect(answer.ackBeforeEvents).toBe(true);
    expect(answer.chunks.length).toBeGreaterThan(0);
    expect(answer.chunks.map((c) => c.seq)).toEqual(answer.chunks.map((_, i) => i));
    expect(answer.events.at(-1)?.type).toBe('done');
    const done = answer.done!;
    expect(done.text).toBe(answer.chunks.map((c) => c.delta).join(''));
    expect(done.text.length).toBeGreaterThan(0);
    expect(done.finishReason).toMatch(/^(stop|length)$/);
    expect(done.moderation).toEqual({ action: 'none' });
    expect(done.usage.completionTokens).toBeGreaterThan(0);
    expect(done.usage.completionTokens).toBeLessThanOrEqual(32);
    expect(done.usage.promptTokens).toBeGreaterThan(done.usage.completionTokens);
    expect(done.model).toContain('SmolLM2');
    // Retrieved context: numbered sources from the shipped docs, each marked cited (by its [n] in the answer, or by
    // a sentence matched to it) or not.
    expect(done.citations.length).toBeGreaterThan(0);
    done.citations.forEach((c, i) => {
      expect(c).toMatchObject({ n: i + 1, documentId: expect.stringMatching(/^kb:/), title: expect.any(String), source: expect.any(String) });
      expect(c.snippet.length).toBeGreaterThan(0);
      if (c.citedBy === 'marker') expect(done.text).toContain(`[${c.n}]`);
      if (c.citedBy === 'attribution') expect(done.attributions.some((a) => a.n === c.n)).toBe(true);
      expect(c.cited).toBe(c.citedBy !== undefined);
    });
    expect(done.timings.stages.map((s) => s.stage)).toEqual(['preprocessor', 'embedder', 'retriever', 'prompt-builder', 'llm-worker', 'gateway']);
    expect(done.timings.firstTokenMs).toBeGreaterThan(0);
    expect(done.timings.totalMs).toBeGreaterThanOrEqual(done.timings.firstTokenMs!);
  });

  it('keeps the history of a session, over Socket.IO and REST', async () => {
    const own = await createSession(relay.baseUrl);
    const c = await ChatClient.connect(relay.baseUrl, own.token);
    try {
      const first = await c.ask(own.sessionId, 'What is Relay?');
      const history = await c.history(own.sessionId);
      expect(history.ok).toBe(true);
      if (!history.ok) return;
      expect(history.messages.map((m) => [m.role, m.text])).toEqual([
        ['user', 'What is Relay?'],
        ['assistant', first.done!.text],
      ]);
      expect(history.messages[1].messageId).toBe(first.ack.ok && first.ack.messageId);
      const rest = await fetch(`${relay.baseUrl}/api/sessions/${own.sessionId}/messages`, { headers: { authorization: `Bearer ${own.token}` } });
      expect(rest.status).toBe(200);
      expect(((await rest.json()) as { messages: unknown[] }).messages).toEqual(history.messages);
    } finally {
      c.close();
    }
  });

  it('answers a re-sent clientMessageId with the same messageId and generates once', async () => {
    const first = await client.ask(session.sessionId, 'What is the embedded default?', 'same-client-id');
    const again = await client.emitWithAck<{ ok: boolean; messageId: string }>('chat:send', {
      sessionId: session.sessionId,
      clientMessageId: 'same-client-id',
      text: 'What is the embedded default?',
    });
    expect(first.ack.ok).toBe(true);
    expect(again).toEqual(first.ack);
    await new Promise((r) => setTimeout(r, 500));
    expect(client.dones.filter((d) => d.messageId === again.messageId)).toHaveLength(1);
  });

  it('stops generating on chat:cancel and finishes with the text produced so far', async () => {
    const ack = await client.emitWithAck<{ ok: true; messageId: string }>('chat:send', {
      sessionId: session.sessionId,
      clientMessageId: 'to-cancel',
      text: 'Write a long story about message brokers.',
    });
    await client.waitFor(() => client.chunks.some((c) => c.messageId === ack.messageId));
    expect(await client.emitWithAck('chat:cancel', { messageId: ack.messageId })).toEqual({ ok: true });
    await client.waitFor(() => client.finished(ack.messageId));
    const { chunks, done } = client.answerFor(ack.messageId);
    expect(done?.finishReason).toBe('cancelled');
    expect(done?.text).toBe(chunks.map((c) => c.delta).join(''));
    expect(done!.usage.completionTokens).toBeLessThan(32);
    // A cancel after the answer finished is acknowledged and changes nothing.
    expect(await client.emitWithAck('chat:cancel', { messageId: ack.messageId })).toEqual({ ok: true });
  });

  it('masks profanity under PROFANITY_POLICY=mask and keeps the masked text in history', async () => {
    const own = await createSession(relay.baseUrl);
    const c = await ChatClient.connect(relay.baseUrl, own.token);
    try {
      const answer = await c.ask(own.sessionId, 'this shit is broken, what is Relay?');
      expect(answer.done?.moderation).toEqual({ action: 'masked' });
      const history = await c.history(own.sessionId);
      const userTurn = history.ok ? history.messages.find((m) => m.role === 'user') : undefined;
      expect(userTurn?.text).not.toContain('shit');
      expect(userTurn?.text).toContain('****');
    } finally {
      c.close();
    }
  });

  describe('bad input gets a clear error and the server keeps serving', () => {
    const send = (payload: unknown) => client.emitWithAck<{ ok: false; error: { code: string; message: string } }>('chat:send', payload);

    it.each([
      ['empty text', { text: '' }, 'EMPTY_MESSAGE'],
      ['whitespace text', { text: '  \n\t ' }, 'EMPTY_MESSAGE'],
      ['text over MAX_MESSAGE_CHARS', { text: 'x'.repeat(301) }, 'MESSAGE_TOO_LONG'],
      ['non-string text', { text: 42 }, 'INVALID_PAYLOAD'],
      ['missing clientMessageId', { clientMessageId: undefined }, 'INVALID_PAYLOAD'],
    ])('%s → %s', async (_name, override, code) => {
      const res = await send({ sessionId: session.sessionId, clientMessageId: `bad-${code}-${Math.random()}`, text: 'hi', ...override });
      expect(res.ok).toBe(false);
      expect(res.error.code).toBe(code);
      expect(res.error.message.length).toBeGreaterThan(5);
    });

    it('a malformed payload → INVALID_PAYLOAD', async () => {
      expect((await send('not an object')).error.code).toBe('INVALID_PAYLOAD');
    });

    it("another session's id → UNKNOWN_SESSION", async () => {
      const other = await createSession(relay.baseUrl);
      expect((await send({ sessionId: other.sessionId, clientMessageId: 'x', text: 'hi' })).error.code).toBe('UNKNOWN_SESSION');
      expect((await client.history(other.sessionId)).ok).toBe(false);
    });

    it('an event without an ack callback still hears chat:error', async () => {
      const before = client.errors.length;
      (client.socket as unknown as { emit(e: string, p: unknown): void }).emit('chat:send', { sessionId: session.sessionId, clientMessageId: 'no-ack', text: '' });
      await client.waitFor(() => client.errors.length > before, 5_000);
      expect(client.errors.at(-1)).toMatchObject({ code: 'EMPTY_MESSAGE', messageId: null });
    });

    it('a flood from one socket is rate limited while other clients are served', async () => {
      const flooder = await createSession(relay.baseUrl);
      const f = await ChatClient.connect(relay.baseUrl, flooder.token);
      try {
        const results = await Promise.all(
          Array.from({ length: 15 }, (_, i) => f.emitWithAck<{ ok: false; error: { code: string; retryAfterMs?: number } }>('chat:send', { sessionId: flooder.sessionId, clientMessageId: `f${i}`, text: '' })),
        );
        const limited = results.filter((r) => r.error.code === 'RATE_LIMITED');
        expect(limited.length).toBeGreaterThanOrEqual(4);
        expect(limited[0].error.retryAfterMs).toBeGreaterThan(0);
        const other = await client.ask(session.sessionId, 'Is Relay open source?');
        expect(other.done?.text.length).toBeGreaterThan(0);
      } finally {
        f.close();
      }
    });
  });

  describe('authentication', () => {
    it('refuses a missing or forged token at connect', async () => {
      await expect(ChatClient.connect(relay.baseUrl, undefined)).rejects.toThrow();
      await expect(ChatClient.connect(relay.baseUrl, `v1.${session.sessionId}.forged`)).rejects.toThrow();
    });

    it("refuses another session's token on REST and reveals nothing", async () => {
      const other = await createSession(relay.baseUrl);
      const res = await fetch(`${relay.baseUrl}/api/sessions/${session.sessionId}/messages`, { headers: { authorization: `Bearer ${other.token}` } });
      expect(res.status).toBe(404);
      expect(JSON.stringify(await res.json())).not.toContain('assistant');
      expect((await fetch(`${relay.baseUrl}/api/sessions/${session.sessionId}/messages`)).status).toBe(401);
    });
  });

  it('keeps sessions, history and the index across a restart', async () => {
    const before = await client.history(session.sessionId);
    client.close();
    await relay.restart();
    client = await ChatClient.connect(relay.baseUrl, session.token);
    const after = await client.history(session.sessionId);
    expect(after).toEqual(before);
    expect(before.ok && before.messages.length).toBeGreaterThan(2);
  });
});

describe('Relay embedded app with PROFANITY_POLICY=reject', () => {
  let relay: RelayProcess;

  beforeAll(async () => {
    relay = await RelayProcess.start({ ...APP_ENV, PROFANITY_POLICY: 'reject' });
  });
  afterAll(async () => relay?.stop());

  it('acknowledges the send, then answers chat:error PROFANITY and streams nothing', async () => {
    const session = await createSession(relay.baseUrl);
    const client = await ChatClient.connect(relay.baseUrl, session.token);
    try {
      const answer = await client.ask(session.sessionId, 'you are a piece of shit');
      expect(answer.ack.ok).toBe(true);
      expect(answer.ackBeforeEvents).toBe(true);
      expect(answer.error).toMatchObject({ code: 'PROFANITY', sessionId: session.sessionId });
      expect(answer.chunks).toHaveLength(0);
      expect(answer.done).toBeUndefined();
      const history = await client.history(session.sessionId);
      // The rejected text is never stored; history keeps only that the answer failed, and why.
      expect(history.ok && history.messages).toEqual([
        expect.objectContaining({ role: 'assistant', text: '', error: expect.objectContaining({ code: 'PROFANITY' }) }),
      ]);
    } finally {
      client.close();
    }
  });
});
