import { ScriptedLlm } from '@relay/testing';
import { partitionOf } from '@relay/transport';
import { ChatClient, createSession, Session } from '../support/chat-client';
import { MediumRelay, startMediumRelay } from './relay-app';

// The LLM worker's queue end to end, on the real gateway, pipeline and transport with a scripted model that writes
// one answer at a time: waiting chats are told their place over chat:status and told again when it changes, users
// take turns, and a chat cancelled while waiting leaves the line at once.
const PARTITIONS = 64;
const ANSWER = Array.from({ length: 40 }, (_, i) => `word${i} `).join('');

async function sessionsOnDistinctPartitions(relay: MediumRelay, users: string[]): Promise<Session[]> {
  // Until the transport runs different sessions of one partition at once, chats on a shared partition would wait in
  // the transport rather than in the worker's queue; so each chat here gets a partition of its own.
  const taken = new Set<number>();
  const sessions: Session[] = [];
  for (const userId of users) {
    for (;;) {
      const res = await fetch(`${relay.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId }) });
      const session = (await res.json()) as Session;
      const partition = partitionOf(session.sessionId, PARTITIONS);
      if (taken.has(partition)) continue;
      taken.add(partition);
      sessions.push(session);
      break;
    }
  }
  return sessions;
}

describe('the generation queue (one answer at a time)', () => {
  let relay: MediumRelay;
  const clients: ChatClient[] = [];

  beforeEach(async () => {
    relay = await startMediumRelay({ TRANSPORT_PARTITIONS: String(PARTITIONS) }, { llm: new ScriptedLlm(ANSWER, 25, 1) });
  });

  afterEach(async () => {
    clients.splice(0).forEach((c) => c.close());
    await relay.app.close();
  });

  async function connect(session: Session): Promise<ChatClient> {
    const client = await ChatClient.connect(relay.url, session.token);
    clients.push(client);
    return client;
  }

  it('tells waiting chats their place, again as it changes, and lets a user who has nothing running go first', async () => {
    const [a1, a2, a3, b1] = await sessionsOnDistinctPartitions(relay, ['alice', 'alice', 'alice', 'bob']);
    const [ca1, ca2, ca3, cb1] = await Promise.all([a1, a2, a3, b1].map(connect));

    const first = await ca1.send(a1.sessionId, 'first');
    if (!first.ok) throw new Error('refused');
    await ca1.waitFor(() => ca1.chunks.some((c) => c.messageId === first.messageId));
    const second = await ca2.send(a2.sessionId, 'second');
    if (!second.ok) throw new Error('refused');
    await ca2.waitFor(() => ca2.queueStatusesOf(second.messageId).length === 1);
    const third = await ca3.send(a3.sessionId, 'third');
    if (!third.ok) throw new Error('refused');
    await ca3.waitFor(() => ca3.queueStatusesOf(third.messageId).length === 1);
    const bobs = await cb1.send(b1.sessionId, 'from bob');
    if (!bobs.ok) throw new Error('refused');

    for (const [client, id] of [[ca1, first], [ca2, second], [ca3, third], [cb1, bobs]] as const) await client.waitFor(() => client.finished(id.messageId));

    expect(ca1.queueStatusesOf(first.messageId)).toEqual(['generating']); // it never waited
    expect(cb1.queueStatusesOf(bobs.messageId)).toEqual(['queued:1', 'generating']); // alice has one running: bob goes first
    expect(ca2.queueStatusesOf(second.messageId)).toEqual(['queued:1', 'queued:2', 'queued:1', 'generating']);
    expect(ca3.queueStatusesOf(third.messageId)).toEqual(['queued:2', 'queued:3', 'queued:2', 'queued:1', 'generating']);
    const finishedAt = (client: ChatClient, messageId: string) => client.timeline.find((e) => e.type === 'chat:done' && e.messageId === messageId)!.at;
    expect(finishedAt(cb1, bobs.messageId)).toBeLessThanOrEqual(finishedAt(ca2, second.messageId));
    // Every status came before the answer's first chunk, and each answer is whole.
    for (const [client, id] of [[ca2, second], [ca3, third], [cb1, bobs]] as const) {
      const events = client.timeline.filter((e) => e.messageId === id.messageId).map((e) => e.type);
      expect(events.lastIndexOf('chat:status')).toBeLessThan(events.indexOf('chat:chunk'));
      expect(client.dones.find((d) => d.messageId === id.messageId)?.text).toBe(ANSWER);
    }
    const done = cb1.dones.find((d) => d.messageId === bobs.messageId)!;
    expect(done.timings.model!.queuedMs).toBeGreaterThan(0);
  });

  it('lets a chat cancelled while it waits leave the line at once and moves the one behind it up', async () => {
    const [s1, s2, s3] = await sessionsOnDistinctPartitions(relay, ['u1', 'u2', 'u3']);
    const [c1, c2, c3] = await Promise.all([s1, s2, s3].map(connect));
    const running = await c1.send(s1.sessionId, 'running');
    if (!running.ok) throw new Error('refused');
    await c1.waitFor(() => c1.chunks.some((c) => c.messageId === running.messageId));
    const waiting = await c2.send(s2.sessionId, 'waiting');
    if (!waiting.ok) throw new Error('refused');
    await c2.waitFor(() => c2.queueStatusesOf(waiting.messageId).length === 1);
    const behind = await c3.send(s3.sessionId, 'behind');
    if (!behind.ok) throw new Error('refused');
    await c3.waitFor(() => c3.queueStatusesOf(behind.messageId).length === 1);

    const cancel = await c2.emitWithAck<{ ok: boolean }>('chat:cancel', { messageId: waiting.messageId });
    expect(cancel.ok).toBe(true);
    await c2.waitFor(() => c2.finished(waiting.messageId), 5_000);

    expect(c1.finished(running.messageId)).toBe(false); // it left the line without waiting for a free sequence
    expect(c2.dones.find((d) => d.messageId === waiting.messageId)).toMatchObject({ finishReason: 'cancelled', text: '' });
    await c3.waitFor(() => c3.queueStatusesOf(behind.messageId).includes('queued:1'), 5_000);
    expect(c3.queueStatusesOf(behind.messageId)).toEqual(['queued:2', 'queued:1']);
    await c3.waitFor(() => c3.finished(behind.messageId));
    expect(c3.dones.find((d) => d.messageId === behind.messageId)?.text).toBe(ANSWER);
  });
});
