import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NOT_FOUND_TEXT } from '../../apps/pipeline/src/prompt-builder/not-found-answer';
import { ChatClient, createSession } from '../support/chat-client';
import { RelayProcess } from '../support/relay-process';

// Grounded answers with the default answering model (Qwen2.5-Coder-0.5B-Instruct; RELAY_E2E_ANSWER_MODEL names
// another GGUF) over documents whose facts are made up, so the model cannot know them: the embedded app as
// `npm start` runs it, with two documents of bench/answers-eval as its whole knowledge base.
const ROOT = resolve(__dirname, '../..');
const MODEL = process.env.RELAY_E2E_ANSWER_MODEL ?? join(ROOT, 'models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf');
const DOCUMENTS = ['halvorsen-lab-protocols.md', 'lysander-ferry-guide.md'];

const ANSWERABLE = [
  { question: 'Who is the safety officer at Halvorsen Marine Station, and what is their extension?', facts: [/Anholt/, /4471/], document: 'kb:halvorsen-lab-protocols.md' },
  { question: 'How long does the Lysander ferry crossing take?', facts: [/1 hour and 40 minutes|1 hour 40|100 minutes/], document: 'kb:lysander-ferry-guide.md' },
];

describe('Grounded answers with the default model, end to end', () => {
  let relay: RelayProcess;

  beforeAll(async () => {
    if (!existsSync(MODEL)) throw new Error(`${MODEL} is missing: these tests need the default answering model (npm run setup fetches it)`);
    const knowledgeBase = mkdtempSync(join(tmpdir(), 'relay-grounded-'));
    for (const file of DOCUMENTS) copyFileSync(join(ROOT, 'bench/answers-eval/documents', file), join(knowledgeBase, file));
    relay = await RelayProcess.start({ LLM_MODEL_PATH: MODEL, KNOWLEDGE_BASE_DIR: knowledgeBase, LLM_MAX_TOKENS: '96', RELEVANCE_GATE: 'true' });
  });

  afterAll(async () => {
    await relay?.stop();
  });

  async function ask(text: string) {
    const session = await createSession(relay.baseUrl);
    const client = await ChatClient.connect(relay.baseUrl, session.token);
    try {
      const answer = await client.ask(session.sessionId, text, undefined, 180_000);
      const messageId = answer.ack.ok ? answer.ack.messageId : '';
      // The order of what the answer consists of; where it was before (chat:status) is not this test's subject.
      const order = client.timeline.filter((e) => e.messageId === messageId && e.type !== 'chat:status').map((e) => e.type);
      const sources = client.timeline.find((e) => e.type === 'chat:sources' && e.messageId === messageId)?.event as
        | { sources: Array<{ n: number; documentId: string; snippet: string; highlights: Array<{ start: number; end: number }> }> }
        | undefined;
      return { ...answer, order, sources: sources?.sources };
    } finally {
      client.close();
    }
  }

  it.each(ANSWERABLE)('answers "$question" with the made-up facts, marking the document that holds them and no other', async ({ question, facts, document }) => {
    const answer = await ask(question);
    const done = answer.done!;
    for (const fact of facts) expect([done.text, fact.test(done.text)]).toEqual([done.text, true]);
    expect(done.finishReason).toBe('stop');
    expect(done.grounding).toBe('grounded');
    const cited = done.citations.filter((c) => c.cited);
    expect(cited.map((c) => c.documentId)).toContain(document);
    expect(cited.every((c) => c.documentId === document && (c.citedBy === 'marker' || c.citedBy === 'attribution'))).toBe(true);
    // The sources came first, before any chunk, and they are the ones the answer was judged against.
    expect(answer.order[0]).toBe('chat:sources');
    expect(answer.order.filter((t) => t === 'chat:sources')).toHaveLength(1);
    expect(answer.sources!.map((s) => [s.n, s.documentId])).toEqual(done.citations.map((c) => [c.n, c.documentId]));
    expect(answer.sources!.every((s) => s.highlights.length > 0 && s.highlights.every((h) => h.end <= s.snippet.length))).toBe(true);
    // No loop: no sentence said twice.
    const sentences = done.text.split(/(?<=[.!?])\s+/).map((s) => s.trim().toLowerCase()).filter((s) => s.split(' ').length >= 3);
    expect(new Set(sentences).size).toBe(sentences.length);
  }, 240_000);

  // One far from the documents (low similarity), one next to them that asks about something they never mention.
  it.each(['What is the boiling point of liquid nitrogen?', 'Is there Wi-Fi on the Lysander ferries?'])('answers "%s" plainly as not in the documents, without asking the model', async (question) => {
    const answer = await ask(question);
    const done = answer.done!;
    expect(done).toMatchObject({ text: NOT_FOUND_TEXT, finishReason: 'not_found', grounding: 'not_found', citations: [], model: '' });
    expect(done.usage).toEqual({ promptTokens: 0, completionTokens: 0 });
    expect(answer.chunks.map((c) => c.delta).join('')).toBe(NOT_FOUND_TEXT);
    expect(answer.order).toEqual(['chat:sources', 'chat:chunk', 'chat:done']);
    expect(answer.sources).toEqual([]);
  }, 240_000);
});
