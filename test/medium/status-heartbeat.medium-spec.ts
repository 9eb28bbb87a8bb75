import { ScriptedLlm } from '@relay/testing';
import { ChatClient, createSession } from '../support/chat-client';
import { MediumRelay, startMediumRelay } from './relay-app';

// "A word every few seconds": until its first chunk a client hears from the stage that has its message, and the LLM
// worker says the place in line and that the model is reading again every STATUS_HEARTBEAT_MS, on the real gateway,
// pipeline, worker and in-process transport with a slow fake model (one answer at a time, 1.5 s before each word).
const HEARTBEAT_MS = 400;
// What a loaded CI machine may add between a worker saying something and the client hearing it.
const SLACK_MS = 400;
const WORD_MS = 1_500;

describe('status heartbeat before the first chunk', () => {
  let relay: MediumRelay;
  const clients: ChatClient[] = [];

  beforeEach(async () => {
    relay = await startMediumRelay({ STATUS_HEARTBEAT_MS: String(HEARTBEAT_MS) }, { llm: new ScriptedLlm('slow answer', WORD_MS, 1) });
  });

  afterEach(async () => {
    clients.splice(0).forEach((c) => c.close());
    await relay.app.close();
  });

  it('leaves no gap longer than the heartbeat (plus slack) between sending and the first chunk, in line or while the model reads', async () => {
    const sessions = await Promise.all([createSession(relay.url), createSession(relay.url)]);
    const [first, second] = await Promise.all(sessions.map((s) => ChatClient.connect(relay.url, s.token)));
    clients.push(first, second);

    const sentAt = Date.now();
    const acks = await Promise.all([first.send(sessions[0].sessionId, 'first'), second.send(sessions[1].sessionId, 'second')]);
    const ids = acks.map((ack) => {
      if (!ack.ok) throw new Error('refused');
      return ack.messageId;
    });
    await Promise.all([first, second].map((c, i) => c.waitFor(() => c.finished(ids[i]), 20_000)));

    for (const [client, id] of [[first, ids[0]], [second, ids[1]]] as const) {
      const events = client.timeline.filter((e) => e.messageId === id);
      const firstChunk = events.findIndex((e) => e.type === 'chat:chunk');
      expect(firstChunk).toBeGreaterThan(0);
      const times = [sentAt, ...events.slice(0, firstChunk + 1).map((e) => e.at)];
      const gaps = times.slice(1).map((t, i) => t - times[i]);
      expect({ id, gapsOverLimit: gaps.filter((g) => g > HEARTBEAT_MS + SLACK_MS) }).toEqual({ id, gapsOverLimit: [] });
      // Every stage spoke before the model did.
      expect(client.statusesOf(id).slice(0, 3)).toEqual(['searching', 'building', expect.stringMatching(/^(queued:1|generating)$/)]);
    }
    // One of the two waited in line (the model writes one answer at a time) and heard its place more than once.
    const waited = [first, second].map((c, i) => c.statuses.filter((s) => s.messageId === ids[i] && s.state === 'queued').length);
    expect(Math.max(...waited)).toBeGreaterThan(1);
  });
});
