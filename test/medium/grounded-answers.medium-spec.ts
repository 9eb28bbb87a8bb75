import request from 'supertest';
import { ChatClient, createSession } from '../support/chat-client';
import { NOT_FOUND_TEXT } from '../../apps/pipeline/src/prompt-builder/not-found-answer';
import { MediumRelay, startMediumRelay } from './relay-app';

const HANDBOOK = '# Zorblat Handbook\n\n## Leave\nEvery Zorblat employee gets 31 days of leave. Leave is approved by Quenby Marsh.\n';

// The sources event, the "not in your documents" answer and the repetition guard through every stage: the real
// gateway, pipeline and LLM worker on the real in-process transport, with the models faked.
describe('grounded answers through the embedded apps, models faked', () => {
  let relay: MediumRelay | undefined;

  afterEach(async () => {
    await relay?.app.close();
    relay = undefined;
  });

  async function ask(text: string) {
    const session = await createSession(relay!.url);
    const client = await ChatClient.connect(relay!.url, session.token);
    try {
      const answer = await client.ask(session.sessionId, text);
      const messageId = answer.ack.ok ? answer.ack.messageId : '';
      const all = client.timeline.filter((e) => e.messageId === messageId);
      // Where the message was before it streamed (chat:status) is checked in status-heartbeat.medium-spec.ts.
      const timeline = all.filter((e) => e.type !== 'chat:status');
      const resumed = await client.emitWithAck<{ ok: boolean; replayed: number }>('chat:resume', { sessionId: session.sessionId, messageId, fromSeq: 0 });
      const afterResume = client.timeline.filter((e) => e.messageId === messageId).slice(all.length).map((e) => e.type);
      return { ...answer, timeline, resumed, afterResume };
    } finally {
      client.close();
    }
  }

  it('sends the numbered sources before the first chunk, with the passage highlighted, and again on resume', async () => {
    relay = await startMediumRelay({ RETRIEVER_MIN_SCORE: '-1' }, { llmAnswer: 'Every employee gets 31 days of leave.' });
    await request(relay.url).post('/api/documents').set('X-Relay-Request', '1').attach('file', Buffer.from(HANDBOOK), 'zorblat.md').expect(201);

    const answer = await ask('How many days of leave does a Zorblat employee get?');
    expect(answer.timeline.map((e) => e.type)).toEqual(['chat:sources', ...answer.chunks.map(() => 'chat:chunk'), 'chat:done']);
    const { sources } = answer.timeline[0].event as { sources: Array<{ n: number; title: string; snippet: string; highlights: Array<{ start: number; end: number }> }> };
    expect(sources).toHaveLength(1);
    expect(sources[0]).toMatchObject({ n: 1, title: 'Zorblat Handbook — Leave' });
    expect(sources[0].highlights.map((h) => sources[0].snippet.slice(h.start, h.end)).join(' ')).toContain('31 days of leave');
    // The scripted answer wrote no [n]; its sentence is matched to the source.
    expect(answer.done).toMatchObject({ grounding: 'grounded', attributions: [{ start: 0, end: answer.done!.text.length, n: 1 }] });
    expect(answer.done!.citations).toEqual([expect.objectContaining({ n: 1, cited: true, citedBy: 'attribution' })]);
    // The prompt the model got holds the passage, not a copy of the whole document.
    expect(relay.llm.prompts[0].at(-1)!.content).toContain('31 days of leave');
    expect(answer.afterResume).toEqual(['chat:sources', ...answer.chunks.map(() => 'chat:chunk'), 'chat:done']);
  });

  it('answers "not in your documents" without asking the model when nothing relevant is retrieved', async () => {
    relay = await startMediumRelay({ RELEVANCE_GATE: 'true' });
    const answer = await ask('What is the boiling point of liquid nitrogen?');
    expect(answer.done).toMatchObject({ text: NOT_FOUND_TEXT, finishReason: 'not_found', grounding: 'not_found', citations: [] });
    expect(answer.chunks.map((c) => c.delta).join('')).toBe(NOT_FOUND_TEXT);
    expect(answer.timeline.map((e) => e.type)).toEqual(['chat:sources', 'chat:chunk', 'chat:done']);
    expect(relay.llm.prompts).toHaveLength(0);
    expect(answer.done!.timings.stages.map((s) => s.stage)).toEqual(['preprocessor', 'embedder', 'retriever', 'prompt-builder', 'gateway']);
  });

  it('stops an answer that loops, after its last new sentence, and says so', async () => {
    const loop = 'The answer is in the handbook. Question: what is the answer? ';
    relay = await startMediumRelay({}, { llmAnswer: loop.repeat(20) });
    const answer = await ask('What is the answer?');
    expect(answer.done).toMatchObject({ finishReason: 'repetition', text: 'The answer is in the handbook. Question: what is the answer?' });
    expect(answer.chunks.map((c) => c.delta).join('')).toBe(answer.done!.text);
    expect(answer.done!.usage.completionTokens).toBeLessThan(40);
  });
});
