import type { HistoryTurn, RetrievedChunk } from '@relay/contracts';
import { RelayError } from '@relay/contracts';
import { countWords, FakePromptTokenizer } from '@relay/testing';
import { PromptBuilder, SYSTEM_PROMPT } from './prompt-builder';

const OVERHEAD = 4;
const SYSTEM = countWords(SYSTEM_PROMPT);

const words = (n: number, word = 'w') => Array.from({ length: n }, () => word).join(' ');

function chunk(id: string, textWords: number, score = 0.9): RetrievedChunk {
  // Title is two words: "Doc <id>".
  return { chunkId: `c-${id}`, documentId: `d-${id}`, title: `Doc ${id}`, source: `${id}.md`, text: words(textWords, id), score };
}

const turn = (role: HistoryTurn['role'], n: number, label: string): HistoryTurn => ({ role, text: `${label} ${words(n - 1)}` });

/**
 * Cost in fake tokens of a prompt with these parts, by the fake's rule (words + overhead per message) and the
 * builder's layout: system, history…, user = "Sources:" + "[n] Doc x\n<text>"… + "Question: <q>".
 */
function cost(questionWords: number, chunkTextWords: number[], historyWords: number[]): number {
  const user =
    chunkTextWords.length === 0 ? questionWords : 1 + chunkTextWords.reduce((n, w) => n + 1 + 2 + w, 0) + 1 + questionWords;
  return OVERHEAD + SYSTEM + historyWords.reduce((n, w) => n + OVERHEAD + w, 0) + OVERHEAD + user;
}

describe('PromptBuilder', () => {
  const question = 'how does relay stream answers';
  const qWords = countWords(question);

  it('includes every chunk numbered [1..k] in rank order, the history in order, and the question last when all fits', () => {
    const tokenizer = new FakePromptTokenizer(10_000, OVERHEAD);
    const history = [turn('user', 3, 'first'), turn('assistant', 4, 'second'), turn('user', 2, 'third')];
    const chunks = [chunk('a', 5, 0.9), chunk('b', 5, 0.8), chunk('c', 5, 0.7)];

    const built = new PromptBuilder(tokenizer).build({ question, history, chunks, maxTokens: 256 });

    expect(built.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'user']);
    expect(built.messages[0].content).toBe(SYSTEM_PROMPT);
    expect(built.messages.slice(1, 4).map((m) => m.content)).toEqual(history.map((t) => t.text));
    const user = built.messages[4].content;
    expect(user.indexOf('[1] Doc a')).toBeGreaterThan(-1);
    expect(user.indexOf('[1] Doc a')).toBeLessThan(user.indexOf('[2] Doc b'));
    expect(user.indexOf('[2] Doc b')).toBeLessThan(user.indexOf('[3] Doc c'));
    expect(user.endsWith(`Question: ${question}`)).toBe(true);
    expect(built.sources.map((s) => [s.n, s.documentId, s.score])).toEqual([
      [1, 'd-a', 0.9],
      [2, 'd-b', 0.8],
      [3, 'd-c', 0.7],
    ]);
    expect(built.dropped).toEqual({ historyTurns: 0, chunks: 0 });
    expect(built.promptTokens).toBe(tokenizer.countPromptTokens(built.messages));
    expect(built.promptTokens).toBe(cost(qWords, [5, 5, 5], [3, 4, 2]));
  });

  it('sends the bare question when there are no chunks', () => {
    const built = new PromptBuilder(new FakePromptTokenizer(1_000, OVERHEAD)).build({ question, history: [], chunks: [], maxTokens: 10 });
    expect(built.messages).toEqual([
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: question },
    ]);
    expect(built.sources).toEqual([]);
  });

  it('drops the lowest-ranked chunks and the oldest history turns whole to fit the budget', () => {
    const maxTokens = 100;
    // Room for two 30-word chunks and two 5-word turns, not for the third chunk (33) nor a third turn (9).
    const budget = cost(qWords, [30, 30], [5, 5]);
    const tokenizer = new FakePromptTokenizer(budget + maxTokens, OVERHEAD);
    const history = [turn('user', 5, 'oldest'), turn('assistant', 5, 'older'), turn('user', 5, 'newer'), turn('assistant', 5, 'newest')];
    const chunks = [chunk('a', 30, 0.9), chunk('b', 30, 0.8), chunk('c', 30, 0.7)];

    const built = new PromptBuilder(tokenizer).build({ question, history, chunks, maxTokens });

    expect(built.sources.map((s) => s.documentId)).toEqual(['d-a', 'd-b']);
    expect(built.messages.slice(1, -1).map((m) => m.content)).toEqual([history[2].text, history[3].text]);
    expect(built.messages.at(-1)!.content).not.toContain('Doc c');
    expect(built.dropped).toEqual({ historyTurns: 2, chunks: 1 });
    expect(built.promptTokens).toBe(budget);
    expect(built.promptTokens).toBeLessThanOrEqual(tokenizer.contextSize - maxTokens);
  });

  it('drops history before sources when the budget only fits the chunks', () => {
    const maxTokens = 50;
    const budget = cost(qWords, [10, 10], []) + 3; // less than one 5-word turn (9)
    const tokenizer = new FakePromptTokenizer(budget + maxTokens, OVERHEAD);
    const history = [turn('user', 5, 'a'), turn('assistant', 5, 'b')];

    const built = new PromptBuilder(tokenizer).build({ question, history, chunks: [chunk('a', 10), chunk('b', 10)], maxTokens });

    expect(built.sources).toHaveLength(2);
    expect(built.dropped).toEqual({ historyTurns: 2, chunks: 0 });
    expect(built.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(built.promptTokens).toBeLessThanOrEqual(budget);
  });

  it('keeps the question alone when nothing else fits', () => {
    const maxTokens = 20;
    const budget = cost(qWords, [], []);
    const tokenizer = new FakePromptTokenizer(budget + maxTokens, OVERHEAD);

    const built = new PromptBuilder(tokenizer).build({ question, history: [turn('user', 2, 'x')], chunks: [chunk('a', 1)], maxTokens });

    expect(built.messages).toEqual([
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: question },
    ]);
    expect(built.dropped).toEqual({ historyTurns: 1, chunks: 1 });
    expect(built.promptTokens).toBe(budget);
  });

  it('refuses with MESSAGE_TOO_LONG when the question alone does not fit beside the answer budget', () => {
    const maxTokens = 20;
    const tokenizer = new FakePromptTokenizer(cost(qWords, [], []) + maxTokens - 1, OVERHEAD);
    const builder = new PromptBuilder(tokenizer);

    let thrown: unknown;
    try {
      builder.build({ question, history: [], chunks: [], maxTokens });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(RelayError);
    expect((thrown as RelayError).code).toBe('MESSAGE_TOO_LONG');
  });

  it('cuts long snippets to 300 characters with an ellipsis but puts the full text in the prompt', () => {
    const long: RetrievedChunk = { ...chunk('a', 1), text: 'x'.repeat(500) };
    const exact: RetrievedChunk = { ...chunk('b', 1), text: 'y'.repeat(300) };

    const built = new PromptBuilder(new FakePromptTokenizer(10_000, OVERHEAD)).build({
      question,
      history: [],
      chunks: [long, exact],
      maxTokens: 10,
    });

    expect(built.sources[0].snippet).toBe(`${'x'.repeat(300)}…`);
    expect(built.sources[1].snippet).toBe('y'.repeat(300));
    expect(built.messages.at(-1)!.content).toContain('x'.repeat(500));
    expect(built.sources[0]).toMatchObject({ title: 'Doc a', source: 'a.md' });
  });
});
