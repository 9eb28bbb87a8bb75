import { partitionOf } from '@relay/transport';
import { ChatClient, createSession, Session } from '../support/chat-client';
import { RelayProcess } from '../support/relay-process';

// Eight chats at once on the real default model, decoded together in one context: four sequences, so four chats
// stream while four wait in the LLM worker's queue and are told their place. Each question names a different thing,
// so an answer that picked up another sequence's text would name another chat's thing. One streaming chat is
// cancelled; its sequence goes to the first waiting chat at once, while the other three are still writing.
const PARTITIONS = 64;
const PARALLEL = 4;
const THINGS = ['giraffe', 'volcano', 'saxophone', 'lighthouse', 'cactus', 'umbrella', 'penguin', 'tornado'];

describe('eight chats at once on the default model', () => {
  let relay: RelayProcess;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    relay = await RelayProcess.start({
      LLM_LOCAL_MODEL: 'qwen2.5-coder-0.5b',
      LLM_PARALLEL: String(PARALLEL),
      LLM_MAX_TOKENS: '40',
      // No knowledge base: short prompts, so the test is about decoding together, not about reading sources.
      SEED_KNOWLEDGE_BASE: 'false',
      TRANSPORT_PARTITIONS: String(PARTITIONS),
    });
  }, 120_000);

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await relay?.stop();
  });

  /** Sessions on partitions of their own: chats sharing a partition would wait in the transport, not the queue. */
  async function sessions(n: number): Promise<Session[]> {
    const taken = new Set<number>();
    const found: Session[] = [];
    while (found.length < n) {
      const session = await createSession(relay.baseUrl);
      const partition = partitionOf(session.sessionId, PARTITIONS);
      if (taken.has(partition)) continue;
      taken.add(partition);
      found.push(session);
    }
    return found;
  }

  it('gives each chat its own answer, tells the waiting ones their place, and a cancel frees a sequence at once', async () => {
    const chats = await sessions(THINGS.length);
    const connected = await Promise.all(chats.map((s) => ChatClient.connect(relay.baseUrl, s.token)));
    clients.push(...connected);

    const acks = await Promise.all(connected.map((client, i) => client.send(chats[i].sessionId, `Describe a ${THINGS[i]} in three sentences.`)));
    const ids = acks.map((ack) => {
      if (!ack.ok) throw new Error(`send refused: ${JSON.stringify(ack)}`);
      return ack.messageId;
    });
    const streaming = () => connected.map((c, i) => c.chunks.some((ch) => ch.messageId === ids[i]));
    const queued = () => connected.map((c, i) => c.queueStatusesOf(ids[i]).some((s) => s.startsWith('queued:')));
    await connected[0].waitFor(() => streaming().filter(Boolean).length === PARALLEL && queued().filter(Boolean).length === THINGS.length - PARALLEL, 120_000);

    // The chats that waited were told their places, 1 to 4, in the order they came.
    const waiting = ids.map((_, i) => i).filter((i) => queued()[i]);
    const firstPlaces = waiting.map((i) => connected[i].queueStatusesOf(ids[i])[0]).sort();
    expect(firstPlaces).toEqual(['queued:1', 'queued:2', 'queued:3', 'queued:4']);
    const next = waiting.find((i) => connected[i].queueStatusesOf(ids[i])[0] === 'queued:1')!;

    // Cancel one that is streaming: its sequence goes to the next in line while the other three still write.
    const cancelled = streaming().findIndex(Boolean);
    const ack = await connected[cancelled].emitWithAck<{ ok: boolean }>('chat:cancel', { messageId: ids[cancelled] });
    expect(ack.ok).toBe(true);
    await connected[next].waitFor(() => connected[next].queueStatusesOf(ids[next]).includes('generating'), 30_000);
    const stillWriting = ids.map((_, i) => i).filter((i) => i !== cancelled && !waiting.includes(i));
    expect(stillWriting.filter((i) => connected[i].finished(ids[i]))).toEqual([]);
    // Everyone behind moved up one place.
    for (const i of waiting.filter((i) => i !== next)) {
      const [first, ...later] = connected[i].queueStatusesOf(ids[i]);
      expect(later).toContain(`queued:${Number(first.split(':')[1]) - 1}`);
    }

    await Promise.all(connected.map((c, i) => c.waitFor(() => c.finished(ids[i]), 180_000)));
    const dones = connected.map((c, i) => c.dones.find((d) => d.messageId === ids[i])!);
    expect(dones[cancelled].finishReason).toBe('cancelled');
    dones.forEach((done, i) => {
      if (i === cancelled) return;
      const text = done.text.toLowerCase();
      // Its own thing, and nobody else's: no text crossed between sequences.
      expect({ i, mentionsOwn: text.includes(THINGS[i]) }).toEqual({ i, mentionsOwn: true });
      expect({ i, others: THINGS.filter((t, j) => j !== i && text.includes(t)) }).toEqual({ i, others: [] });
      // The streamed chunks are exactly the final text.
      expect(connected[i].chunks.filter((c) => c.messageId === ids[i]).map((c) => c.delta).join('')).toBe(done.text);
      expect(done.model).toBe('qwen2.5-coder-0.5b-instruct-q4_k_m');
    });
    // The waiting chats' time in the queue is reported, and only theirs is long.
    for (const i of waiting) expect(dones[i].timings.model!.queuedMs).toBeGreaterThan(0);
  }, 300_000);
});
