import type { HistoryTurn, RetrievedChunk } from '@relay/contracts';
import { RelayError } from '@relay/contracts';
import { FakePromptTokenizer } from '@relay/testing';
import { BuiltPrompt, DEFAULT_PROMPT_OPTIONS, NotFound, PromptBuilder, PromptBuilderOptions, SYSTEM_PROMPT } from './prompt-builder';

const QUESTION = 'How long does the ferry crossing to Hollin Bay take?';

function chunk(id: string, text: string, score = 0.6): RetrievedChunk {
  return { chunkId: `c-${id}`, documentId: `d-${id}`, title: `Doc ${id}`, source: `${id}.md`, text, score };
}

const FERRY = chunk(
  'ferry',
  'The ferry sails between Marrowick and Hollin Bay. The ships are called Gannet and Petrel. Each ship carries 320 passengers. ' +
    'Dogs travel free on the outside decks. The crossing takes 1 hour and 40 minutes. Bicycles cost 5 euros.',
  0.7,
);
const FARES = chunk('fares', 'A single ticket to Hollin Bay costs 19 euros. A return costs 34 euros. Cars cost 62 euros. Pets travel free.', 0.5);
const TIMETABLE = chunk('timetable', 'The first ferry leaves at 06:15. The last ferry leaves at 21:30. Tickets are sold on board. In winter there are four crossings a day.', 0.45);

const options = (over: Partial<PromptBuilderOptions> = {}): PromptBuilderOptions => ({
  ...DEFAULT_PROMPT_OPTIONS,
  maxSources: 3,
  passage: { maxSentences: 3 },
  relevance: { minScore: 0.3, minCoverage: 0.3 },
  ...over,
});

function build(input: { chunks: RetrievedChunk[]; history?: HistoryTurn[]; question?: string }, contextSize = 10_000, over: Partial<PromptBuilderOptions> = {}) {
  const builder = new PromptBuilder(new FakePromptTokenizer(contextSize), options(over));
  return builder.build({ question: input.question ?? QUESTION, history: input.history ?? [], chunks: input.chunks, maxTokens: 100 });
}

function prompt(result: BuiltPrompt | NotFound): BuiltPrompt {
  if (result.kind !== 'prompt') throw new Error(`expected a prompt, got ${result.kind}`);
  return result;
}

describe('PromptBuilder', () => {
  it('numbers the sources [1..k] in rank order, each with only its sentences that match the question, then the question', () => {
    const built = prompt(build({ chunks: [FERRY, FARES, TIMETABLE] }));

    expect(built.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(built.messages[0].content).toBe(SYSTEM_PROMPT);
    const user = built.messages[1].content;
    expect(user).toBe(
      [
        'Sources:',
        '[1] Doc ferry: The ferry sails between Marrowick and Hollin Bay. The ships are called Gannet and Petrel. … The crossing takes 1 hour and 40 minutes.',
        '[2] Doc fares: A single ticket to Hollin Bay costs 19 euros. A return costs 34 euros.',
        '[3] Doc timetable: The first ferry leaves at 06:15. The last ferry leaves at 21:30. … In winter there are four crossings a day.',
        '',
        `Question: ${QUESTION}`,
      ].join('\n'),
    );
    expect(user).not.toContain('Dogs travel free');
    expect(built.sources.map((s) => [s.n, s.documentId, s.score])).toEqual([
      [1, 'd-ferry', 0.7],
      [2, 'd-fares', 0.5],
      [3, 'd-timetable', 0.45],
    ]);
    expect(built.promptTokens).toBe(new FakePromptTokenizer(10_000).countPromptTokens(built.messages));
    expect(built.dropped).toEqual({ historyTurns: 0, chunks: 0 });
  });

  it("gives each source its chunk's whole text as the snippet, with the passage the model read highlighted", () => {
    const [source] = prompt(build({ chunks: [FERRY] })).sources;
    expect(source.snippet).toBe(FERRY.text);
    expect(source.highlights.map((h) => FERRY.text.slice(h.start, h.end))).toEqual([
      'The ferry sails between Marrowick and Hollin Bay. The ships are called Gannet and Petrel.',
      'The crossing takes 1 hour and 40 minutes.',
    ]);
  });

  it('cuts a long snippet at 2,000 characters and its highlights with it', () => {
    const long = chunk('long', `${'Filler words here. '.repeat(110)}The crossing takes 1 hour and 40 minutes to Hollin Bay.`);
    const [source] = prompt(build({ chunks: [long] })).sources;
    expect(source.snippet).toHaveLength(2001);
    expect(source.snippet.endsWith('…')).toBe(true);
    expect(source.highlights.every((h) => h.end <= 2000)).toBe(true);
  });

  it('keeps at most PROMPT_MAX_SOURCES sources and leaves out a chunk that repeats a passage already given', () => {
    const copy = { ...FARES, chunkId: 'c-copy', documentId: 'd-copy' };
    const built = prompt(build({ chunks: [FERRY, FARES, copy, TIMETABLE] }, 10_000, { maxSources: 2 }));
    expect(built.sources.map((s) => s.documentId)).toEqual(['d-ferry', 'd-fares']);
    expect(built.dropped.chunks).toBe(2);
    const all = prompt(build({ chunks: [FERRY, FARES, copy, TIMETABLE] }));
    expect(all.sources.map((s) => s.documentId)).toEqual(['d-ferry', 'd-fares', 'd-timetable']);
  });

  it('gives the whole chunk when PROMPT_PASSAGE_SENTENCES is 0', () => {
    const built = prompt(build({ chunks: [FERRY] }, 10_000, { passage: { maxSentences: 0 } }));
    expect(built.messages[1].content).toContain(FERRY.text);
    expect(built.sources[0].highlights).toEqual([{ start: 0, end: FERRY.text.length }]);
  });

  it('drops the lowest-ranked sources and then the oldest history turns whole to fit the budget', () => {
    const history: HistoryTurn[] = [
      { role: 'user', text: 'oldest question here' },
      { role: 'assistant', text: 'oldest answer here' },
      { role: 'user', text: 'newer question here' },
      { role: 'assistant', text: 'newer answer here' },
    ];
    const everything = prompt(build({ chunks: [FERRY, FARES], history }));
    const twoSourcesOneTurn = prompt(build({ chunks: [FERRY, FARES], history: history.slice(3) }));
    // Room for both sources and the newest turn, not for the turn before it.
    const built = prompt(build({ chunks: [FERRY, FARES, TIMETABLE], history }, twoSourcesOneTurn.promptTokens + 100 + 3));
    expect(built.sources.map((s) => s.documentId)).toEqual(['d-ferry', 'd-fares']);
    expect(built.messages.slice(1, -1).map((m) => m.content)).toEqual(['newer answer here']);
    expect(built.dropped).toEqual({ historyTurns: 3, chunks: 1 });
    expect(built.promptTokens).toBeLessThanOrEqual(twoSourcesOneTurn.promptTokens + 3);
    expect(everything.messages.slice(1, -1).map((m) => m.content)).toEqual(history.map((t) => t.text));
  });

  it('answers not_found, without a prompt, when the best chunk is not similar enough or no passage covers the question', () => {
    expect(build({ chunks: [{ ...FERRY, score: 0.29 }, { ...FARES, score: 0.2 }] })).toEqual({
      kind: 'not_found',
      relevance: { bestScore: 0.29, coverage: 1, relevant: false },
    });
    const elsewhere = build({ chunks: [FERRY], question: 'What is the boiling point of liquid nitrogen?' });
    expect(elsewhere).toMatchObject({ kind: 'not_found', relevance: { bestScore: 0.7, coverage: 0 } });
    expect(build({ chunks: [] })).toMatchObject({ kind: 'not_found', relevance: { bestScore: null } });
  });

  it('with the gate off, always builds a prompt: the bare question when nothing was retrieved', () => {
    const bare = prompt(build({ chunks: [] }, 10_000, { gate: false }));
    expect(bare.messages).toEqual([
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: QUESTION },
    ]);
    expect(bare.relevance.relevant).toBe(false);
    expect(prompt(build({ chunks: [{ ...FERRY, score: 0.1 }] }, 10_000, { gate: false })).sources).toHaveLength(1);
  });

  it('refuses with MESSAGE_TOO_LONG when the question alone does not fit beside the answer budget', () => {
    const alone = prompt(build({ chunks: [] }, 10_000, { gate: false })).promptTokens;
    expect(() => build({ chunks: [FERRY] }, alone + 100 - 1)).toThrow(RelayError);
    try {
      build({ chunks: [FERRY] }, alone + 100 - 1);
    } catch (err) {
      expect((err as RelayError).code).toBe('MESSAGE_TOO_LONG');
    }
  });
});
