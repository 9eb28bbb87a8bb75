import { DEAD_LETTER_HEADERS, TOPICS } from '@relay/contracts';
import type { TransportRecord } from '@relay/transport';
import { ChatClient, createSession } from '../support/chat-client';
import { MediumRelay, startMediumRelay } from './relay-app';

describe('the embedded apps over the real in-process transport, models faked', () => {
  let relay: MediumRelay;
  const deadLetters: TransportRecord[] = [];

  beforeEach(async () => {
    relay = await startMediumRelay({ TRANSPORT_QUEUE_CAPACITY: '3', TRANSPORT_MAX_ATTEMPTS: '3' });
    deadLetters.length = 0;
    // A second consumer group on the dead-letter topic, as an operator's tool would be.
    relay.broker.subscribe(TOPICS.deadLetters, 'test-observer', async (record) => void deadLetters.push(record));
  });

  afterEach(async () => {
    relay.embedder.release();
    await relay.app.close();
  });

  it('streams the answer of the scripted model through every stage', async () => {
    const session = await createSession(relay.url);
    const client = await ChatClient.connect(relay.url, session.token);
    const answer = await client.ask(session.sessionId, 'hello');
    client.close();
    expect(answer.done?.text).toBe('Relay answers from your documents [1] quickly and clearly.');
    expect(answer.chunks.map((c) => c.delta).join('')).toBe(answer.done?.text);
    expect(relay.llm.prompts).toHaveLength(1);
  });

  it('retries a failing stage, then dead-letters the message with its reason and tells the client', async () => {
    relay.embedder.failWith = new Error('embedding backend unavailable');
    const session = await createSession(relay.url);
    const client = await ChatClient.connect(relay.url, session.token);
    const answer = await client.ask(session.sessionId, 'hello');
    client.close();

    expect(answer.ack.ok).toBe(true);
    expect(answer.error).toMatchObject({ code: 'PIPELINE_FAILED', sessionId: session.sessionId });
    expect(answer.error?.message).toContain('embedder');
    expect(relay.embedder.calls).toBe(3);
    await waitFor(() => deadLetters.length === 1);
    const [letter] = deadLetters;
    expect(letter.key).toBe(session.sessionId);
    expect(letter.headers[DEAD_LETTER_HEADERS.reason]).toBe('embedding backend unavailable');
    expect(letter.headers[DEAD_LETTER_HEADERS.topic]).toBe(TOPICS.preprocessed);
    expect(letter.headers[DEAD_LETTER_HEADERS.stage]).toBe('embedder');
    expect(letter.headers[DEAD_LETTER_HEADERS.attempts]).toBe('3');
    expect(JSON.parse(letter.value)).toMatchObject({ sessionId: session.sessionId, messageId: answer.ack.ok && answer.ack.messageId });
  });

  it('dead-letters a malformed record at once without stalling its partition', async () => {
    const session = await createSession(relay.url);
    await relay.broker.publish({ topic: TOPICS.queries, key: session.sessionId, value: '{"not":"an envelope"}', headers: {} }, 'wait');
    const client = await ChatClient.connect(relay.url, session.token);
    const answer = await client.ask(session.sessionId, 'still served?');
    client.close();
    expect(answer.done?.finishReason).toBe('stop');
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0].headers[DEAD_LETTER_HEADERS.reason]).toMatch(/^invalid message/);
    expect(deadLetters[0].headers[DEAD_LETTER_HEADERS.attempts]).toBe('0');
  });

  it('answers BUSY when the ingress queue is full, loses nothing, and takes the same message once there is room', async () => {
    relay.embedder.hold();
    const session = await createSession(relay.url);
    const client = await ChatClient.connect(relay.url, session.token);
    const acks: Array<{ ok: boolean; messageId?: string; error?: { code: string } }> = [];
    for (let i = 0; i < 10 && !acks.some((a) => !a.ok); i++) {
      acks.push(await client.emitWithAck('chat:send', { sessionId: session.sessionId, clientMessageId: `m${i}`, text: `question ${i}` }));
    }
    const refused = acks.findIndex((a) => !a.ok);
    expect(refused).toBeGreaterThan(0);
    expect(acks[refused].error?.code).toBe('BUSY');

    relay.embedder.release();
    const accepted = acks.filter((a) => a.ok).map((a) => a.messageId!);
    await client.waitFor(() => accepted.every((id) => client.finished(id)));
    expect(accepted.map((id) => client.answerFor(id).done?.finishReason)).toEqual(accepted.map(() => 'stop'));

    const retried = await client.emitWithAck<{ ok: boolean; messageId: string }>('chat:send', {
      sessionId: session.sessionId,
      clientMessageId: `m${refused}`,
      text: `question ${refused}`,
    });
    expect(retried.ok).toBe(true);
    await client.waitFor(() => client.finished(retried.messageId));
    client.close();
    expect(deadLetters).toHaveLength(0);
  });

  it('finishes a message cancelled while still in the pipeline as cancelled, without generating', async () => {
    relay.embedder.hold();
    const session = await createSession(relay.url);
    const client = await ChatClient.connect(relay.url, session.token);
    const ack = await client.emitWithAck<{ ok: true; messageId: string }>('chat:send', { sessionId: session.sessionId, clientMessageId: 'c', text: 'hi' });
    expect(await client.emitWithAck('chat:cancel', { messageId: ack.messageId })).toEqual({ ok: true });
    relay.embedder.release();
    await client.waitFor(() => client.finished(ack.messageId));
    client.close();
    const { done, chunks } = client.answerFor(ack.messageId);
    expect(done).toMatchObject({ finishReason: 'cancelled', text: '' });
    expect(chunks).toHaveLength(0);
    expect(relay.llm.prompts).toHaveLength(0);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
