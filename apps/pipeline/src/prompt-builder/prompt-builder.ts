import type { HistoryTurn, LlmMessage, PromptSource, RetrievedChunk } from '@relay/contracts';
import { RelayError } from '@relay/contracts';
import type { PromptTokenizer } from '@relay/llm';
import { PassageOptions, PassageSelector } from './passage-selector';
import { Relevance, RelevanceGate, RelevanceThresholds } from './relevance-gate';
import { PromptTokenCounter } from './prompt-token-counter';

/**
 * Short on purpose: small models follow one or two plain instructions and lose the thread with more (Qwen2.5-0.5B
 * answered 1 of 5 grounded questions with a long prompt that asked for much at once). It does not ask for `[n]`:
 * asked to cite, the 0.5B model often answered with a copied "[1] title: passage" or bare markers. Citing and
 * saying "not in your documents" are the server's work: source attribution and the relevance gate
 * (docs/guide/grounded-answers.md); a `[n]` the model writes anyway still counts when its source supports it.
 */
export const SYSTEM_PROMPT = 'Answer the question using only the sources, in one or two short sentences.';

export interface PromptInput {
  question: string;
  history: HistoryTurn[];
  chunks: RetrievedChunk[];
  /** Tokens kept free for the answer. */
  maxTokens: number;
}

export interface PromptBuilderOptions {
  /** Most sources in a prompt, best first. */
  maxSources: number;
  passage: PassageOptions;
  /** When false, the model is always asked, with whatever was retrieved (or nothing). */
  gate: boolean;
  relevance: RelevanceThresholds;
}

export const DEFAULT_PROMPT_OPTIONS: PromptBuilderOptions = {
  maxSources: 3,
  passage: { maxSentences: 3 },
  gate: true,
  relevance: { minScore: 0.3, minCoverage: 0.75 },
};

export interface BuiltPrompt {
  kind: 'prompt';
  messages: LlmMessage[];
  sources: PromptSource[];
  /** The prompt's tokens, summed from its counted parts (within a few tokens of the exact count). */
  promptTokens: number;
  dropped: { historyTurns: number; chunks: number };
  relevance: Relevance;
}

/** Nothing retrieved is relevant enough: the answer is "not in your documents" and the model is not asked. */
export interface NotFound {
  kind: 'not_found';
  relevance: Relevance;
}

/** What the UI shows as the source's text: the chunk, cut at this many characters. */
const SNIPPET_CHARS = 2000;

interface Candidate {
  chunk: RetrievedChunk;
  passage: string;
  highlights: PromptSource['highlights'];
}

/**
 * Builds the prompt: recent history turns, then up to `maxSources` numbered sources — of each retrieved chunk only
 * the sentences that match the question (PassageSelector) — then the question, all within the model's context minus
 * the answer's budget, measured with the model's own tokenizer and chat template (each passage and turn counted once
 * and remembered: PromptTokenCounter). Whatever does not fit is dropped whole: sources in rank order (a smaller,
 * lower-ranked one may still fit), history from the oldest turn. Before any of that, the relevance gate decides
 * whether the sources can answer the question at all.
 */
export class PromptBuilder {
  private readonly counter: PromptTokenCounter;
  private readonly selector: PassageSelector;
  private readonly gate: RelevanceGate;

  constructor(
    private readonly tokenizer: PromptTokenizer,
    private readonly options: PromptBuilderOptions = DEFAULT_PROMPT_OPTIONS,
  ) {
    this.counter = new PromptTokenCounter(tokenizer);
    this.selector = new PassageSelector(options.passage);
    this.gate = new RelevanceGate(options.relevance);
  }

  build(input: PromptInput): BuiltPrompt | NotFound {
    const budget = this.tokenizer.contextSize - input.maxTokens;
    const fits = (messages: LlmMessage[]) => this.counter.fits(messages, budget);

    if (!fits(this.assemble([], [], input.question))) {
      throw new RelayError('MESSAGE_TOO_LONG', 'The message is too long for the model to answer; please shorten it.');
    }

    const selection = this.selector.select(input.question, input.chunks);
    const passages = selection.passages;
    // Judged on the passages the model would read: the first PROMPT_MAX_SOURCES.
    const relevance = this.gate.judge(
      input.chunks.map((c) => c.score),
      selection.coverage(passages.slice(0, this.options.maxSources)),
    );
    if (this.options.gate && !relevance.relevant) return { kind: 'not_found', relevance };

    // Sources come first: grounding matters more than old turns. A chunk that repeats a passage already included
    // (overlapping chunks of one document) adds nothing.
    const included: Candidate[] = [];
    input.chunks.forEach((chunk, i) => {
      if (included.length >= this.options.maxSources) return;
      const candidate = { chunk, passage: passages[i].text, highlights: clip(passages[i].spans, SNIPPET_CHARS) };
      if (included.some((c) => c.passage === candidate.passage)) return;
      if (fits(this.assemble([], [...included, candidate], input.question))) included.push(candidate);
    });

    // Then history, newest first, until one more turn would not fit.
    let kept = 0;
    for (let n = 1; n <= input.history.length; n++) {
      if (!fits(this.assemble(input.history.slice(-n), included, input.question))) break;
      kept = n;
    }
    const history = kept === 0 ? [] : input.history.slice(-kept);

    const messages = this.assemble(history, included, input.question);
    return {
      kind: 'prompt',
      messages,
      sources: included.map(({ chunk, highlights }, i) => ({
        n: i + 1,
        documentId: chunk.documentId,
        title: chunk.title,
        source: chunk.source,
        snippet: chunk.text.length > SNIPPET_CHARS ? `${chunk.text.slice(0, SNIPPET_CHARS)}…` : chunk.text,
        score: chunk.score,
        highlights,
      })),
      promptTokens: this.counter.estimate(messages),
      dropped: { historyTurns: input.history.length - kept, chunks: input.chunks.length - included.length },
      relevance,
    };
  }

  private assemble(history: HistoryTurn[], sources: Candidate[], question: string): LlmMessage[] {
    // One line per source: with a source's title on a line of its own, the 0.5B model tended to copy it.
    const listed = sources.map((c, i) => `[${i + 1}] ${c.chunk.title}: ${c.passage}`).join('\n');
    const user = sources.length > 0 ? `Sources:\n${listed}\n\nQuestion: ${question}` : question;
    return [
      { role: 'system', content: SYSTEM_PROMPT },
      ...history.map((t): LlmMessage => ({ role: t.role, content: t.text })),
      { role: 'user', content: user },
    ];
  }
}

/** Highlights within the first `limit` characters (the snippet), cut at its end. */
function clip(spans: PromptSource['highlights'], limit: number): PromptSource['highlights'] {
  return spans.filter((s) => s.start < limit).map((s) => ({ start: s.start, end: Math.min(s.end, limit) }));
}
