import type { HistoryTurn, LlmMessage, RetrievedChunk } from '@relay/contracts';
import type { PromptTokenizer } from '@relay/llm';
import { FakePromptTokenizer } from '@relay/testing';
import { DEFAULT_PROMPT_OPTIONS, PromptBuilder, PromptBuilderOptions } from './prompt-builder';
import { PromptTokenCounter } from './prompt-token-counter';

/** Wraps a tokenizer and records how many characters of message content it was asked to tokenize. */
class CountingTokenizer implements PromptTokenizer {
  calls = 0;
  charactersTokenized = 0;
  constructor(private readonly inner: PromptTokenizer) {}
  get contextSize(): number {
    return this.inner.contextSize;
  }
  get maxTokens(): number {
    return this.inner.maxTokens;
  }
  isReady(): boolean {
    return true;
  }
  countPromptTokens(messages: LlmMessage[]): number {
    this.calls++;
    this.charactersTokenized += messages.reduce((n, m) => n + m.content.length, 0);
    return this.inner.countPromptTokens(messages);
  }
}

/**
 * Like Qwen's BPE: a paragraph break right after a full stop merges into it, so a prompt costs less than the sum of
 * its paragraphs. Words count one token each, breaks one unless merged, four per message.
 */
class MergingTokenizer implements PromptTokenizer {
  readonly contextSize = 10_000;
  readonly maxTokens = 256;
  exactCalls = 0;
  isReady(): boolean {
    return true;
  }
  countPromptTokens(messages: LlmMessage[]): number {
    if (messages.some((m) => m.content.length > 40)) this.exactCalls++;
    return messages.reduce((n, m) => n + 4 + words(m.content) + (m.content.match(/[^.]\n\n/g) ?? []).length, 0);
  }
}

const words = (text: string) => (text.trim() === '' ? 0 : text.trim().split(/\s+/).length);
const paragraphs = (n: number, endWith = '.') => Array.from({ length: n }, (_, i) => `paragraph ${i} has five words${endWith}`).join('\n\n');

describe('PromptTokenCounter', () => {
  it('sums to the exact count when the tokenizer is additive, counting each paragraph only the first time it is seen', () => {
    const tokenizer = new CountingTokenizer(new FakePromptTokenizer(10_000, 4));
    const sut = new PromptTokenCounter(tokenizer);
    const messages: LlmMessage[] = [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: `Sources:\n[1] a\n${paragraphs(3)}\n\nQuestion: why?` },
    ];
    expect(sut.estimate(messages)).toBe(new FakePromptTokenizer(10_000, 4).countPromptTokens(messages));

    const callsAfterFirst = tokenizer.calls;
    const again = [...messages.slice(0, 1), { role: 'user' as const, content: `Sources:\n[1] a\n${paragraphs(3)}\n\nQuestion: how?` }];
    sut.estimate(again);
    // Only the new question paragraph is tokenized; the rest was remembered.
    expect(tokenizer.calls - callsAfterFirst).toBe(1);
  });

  it('decides a prompt clear of the budget from the estimate, and counts exactly near the budget', () => {
    const tokenizer = new MergingTokenizer();
    const sut = new PromptTokenCounter(tokenizer, { margin: 2 });
    const messages: LlmMessage[] = [{ role: 'user', content: paragraphs(6) }];
    const exact = tokenizer.countPromptTokens(messages);
    const estimate = sut.estimate(messages);
    expect(estimate).toBeGreaterThan(exact); // the merged breaks were counted as breaks
    tokenizer.exactCalls = 0;

    expect(sut.fits(messages, exact + 100)).toBe(true);
    expect(sut.fits(messages, exact - 100)).toBe(false);
    expect(tokenizer.exactCalls).toBe(0);

    // At the exact count the estimate alone would refuse it wrongly: the whole prompt is counted.
    expect(sut.fits(messages, exact)).toBe(true);
    expect(sut.fits(messages, exact - 1)).toBe(false);
    expect(tokenizer.exactCalls).toBe(2);
  });

  it('forgets the least recently used paragraphs beyond maxPieces', () => {
    const tokenizer = new CountingTokenizer(new FakePromptTokenizer(10_000, 4));
    const sut = new PromptTokenCounter(tokenizer, { maxPieces: 2 });
    const one = (text: string): LlmMessage[] => [{ role: 'user', content: text }];
    sut.estimate(one('alpha'));
    sut.estimate(one('beta'));
    sut.estimate(one('alpha')); // alpha is now the most recent
    sut.estimate(one('gamma')); // beta goes
    const calls = tokenizer.calls;
    sut.estimate(one('alpha'));
    expect(tokenizer.calls).toBe(calls);
    sut.estimate(one('beta'));
    expect(tokenizer.calls).toBe(calls + 1);
  });
});

/** Whole chunks, as many as fit, and no relevance gate: these tests are about counting, not choosing. */
const ALL_SOURCES_UNGATED: PromptBuilderOptions = { ...DEFAULT_PROMPT_OPTIONS, maxSources: 50, passage: { maxSentences: 0 }, gate: false };

describe('PromptBuilder token counting', () => {
  const chunk = (id: string, text: string): RetrievedChunk => ({ chunkId: id, documentId: id, title: `Doc ${id}`, source: `${id}.md`, text, score: 0.5 });
  const chunks = ['a', 'b', 'c', 'd'].map((id) => chunk(id, paragraphs(4).replace(/paragraph/g, id)));
  const history: HistoryTurn[] = [
    { role: 'user', text: 'an earlier question about things' },
    { role: 'assistant', text: 'an earlier answer about those things' },
    { role: 'user', text: 'a follow-up question' },
  ];

  it('tokenizes about the prompt once per query, not once per candidate passage and turn', () => {
    const tokenizer = new CountingTokenizer(new FakePromptTokenizer(10_000, 4));
    const built = new PromptBuilder(tokenizer, ALL_SOURCES_UNGATED).build({ question: 'what now?', history, chunks, maxTokens: 100 });
    if (built.kind !== 'prompt') throw new Error('expected a prompt');
    const promptCharacters = built.messages.reduce((n, m) => n + m.content.length, 0);
    expect(built.sources).toHaveLength(4);
    // Counting the whole prompt for each of 4 passages and 3 turns would tokenize it ~9 times over.
    expect(tokenizer.charactersTokenized).toBeLessThan(1.5 * promptCharacters);
  });

  it('tokenizes only what it has not seen before on the next query with the same passages', () => {
    const tokenizer = new CountingTokenizer(new FakePromptTokenizer(10_000, 4));
    const builder = new PromptBuilder(tokenizer, ALL_SOURCES_UNGATED);
    builder.build({ question: 'what now?', history, chunks, maxTokens: 100 });
    const before = tokenizer.charactersTokenized;
    builder.build({ question: 'and then?', history, chunks, maxTokens: 100 });
    expect(tokenizer.charactersTokenized - before).toBeLessThan(40);
  });
});
