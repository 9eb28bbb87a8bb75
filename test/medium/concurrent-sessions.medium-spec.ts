import { ScriptedLlm } from '@relay/testing';
import { ChatClient, createSession } from '../support/chat-client';
import { MediumRelay, startMediumRelay } from './relay-app';

describe('many sessions at once over the real in-process transport, models faked', () => {
  let relay: MediumRelay;

  afterEach(async () => {
    await relay.app.close();
  });

  it('hands the LLM worker the prompts of different sessions at once even when they share one partition, each session still in order', async () => {
    // One partition: every session's records share it, so partition-ordered delivery would run one answer at a time.
    const llm = new ScriptedLlm('one two three four five six seven eight', 40);
    relay = await startMediumRelay({ TRANSPORT_PARTITIONS: '1', CHAT_RATE_BURST: '100' }, { llm });
    const sessions = await Promise.all(Array.from({ length: 4 }, () => createSession(relay.url)));
    const clients = await Promise.all(sessions.map((s) => ChatClient.connect(relay.url, s.token)));
    try {
      const answers = await Promise.all(
        clients.map(async (client, i) => {
          const first = await client.ask(sessions[i].sessionId, `first question of session ${i}`, `a${i}`);
          const second = await client.ask(sessions[i].sessionId, `second question of session ${i}`, `b${i}`);
          return [first, second];
        }),
      );
      for (const pair of answers) for (const answer of pair) expect(answer.done?.text).toBe('one two three four five six seven eight');
      expect(llm.peakRunning).toBe(4);
      // Per session, the second prompt reached the model after the first.
      for (let i = 0; i < 4; i++) {
        const order = llm.prompts.map((m) => m.at(-1)!.content).filter((c) => c.includes(`of session ${i}`));
        expect(order.map((c) => c.split(' ')[0])).toEqual(['first', 'second']);
      }
    } finally {
      clients.forEach((c) => c.close());
    }
  });
});
