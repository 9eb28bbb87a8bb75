import type { HistoryTurn, LlmMessage, PromptSource, RetrievedChunk } from '@relay/contracts';
import { RelayError } from '@relay/contracts';
import type { PromptTokenizer } from '@relay/llm';
import { PromptTokenCounter } from './prompt-token-counter';

export const SYSTEM_PROMPT = [
  'You are Relay, an assistant that answers from the numbered sources the user provides.',
  'Cite the sources you use with their numbers in square brackets, like [1].',
  'If the sources do not contain the answer, say that you do not know; do not invent one.',
].join(' ');

export interface PromptInput {
  question: string;
  history: HistoryTurn[];
  chunks: RetrievedChunk[];
  /** Tokens kept free for the answer. */
  maxTokens: number;
}

export interface BuiltPrompt {
  messages: LlmMessage[];
  sources: PromptSource[];
  /** The prompt's tokens, summed from its counted parts (within a few tokens of the exact count). */
  promptTokens: number;
  dropped: { historyTurns: number; chunks: number };
}

const SNIPPET_CHARS = 300;

/**
 * Builds the prompt: recent history turns, then the retrieved chunks numbered [1]…[k], then the question — all
 * within the model's context minus the answer's budget, measured with the model's own tokenizer and chat template
 * (each passage and turn counted once and remembered: PromptTokenCounter).
 * Whatever does not fit is dropped whole: chunks are taken in rank order and one that does not fit is left out
 * (a smaller, lower-ranked one may still fit); history is cut at the oldest turns.
 */
export class PromptBuilder {
  private readonly counter: PromptTokenCounter;

  constructor(private readonly tokenizer: PromptTokenizer) {
    this.counter = new PromptTokenCounter(tokenizer);
  }

  build(input: PromptInput): BuiltPrompt {
    const budget = this.tokenizer.contextSize - input.maxTokens;
    const fits = (messages: LlmMessage[]) => this.counter.fits(messages, budget);

    if (!fits(this.assemble([], [], input.question))) {
      throw new RelayError('MESSAGE_TOO_LONG', 'The message is too long for the model to answer; please shorten it.');
    }

    // Sources come first: grounding matters more than old turns.
    const included: RetrievedChunk[] = [];
    for (const chunk of input.chunks) {
      if (fits(this.assemble([], [...included, chunk], input.question))) included.push(chunk);
    }

    // Then history, newest first, until one more turn would not fit.
    let kept = 0;
    for (let n = 1; n <= input.history.length; n++) {
      if (!fits(this.assemble(input.history.slice(-n), included, input.question))) break;
      kept = n;
    }
    const history = kept === 0 ? [] : input.history.slice(-kept);

    const messages = this.assemble(history, included, input.question);
    return {
      messages,
      sources: included.map((c, i) => ({
        n: i + 1,
        documentId: c.documentId,
        title: c.title,
        source: c.source,
        snippet: c.text.length > SNIPPET_CHARS ? `${c.text.slice(0, SNIPPET_CHARS)}…` : c.text,
        score: c.score,
      })),
      promptTokens: this.counter.estimate(messages),
      dropped: { historyTurns: input.history.length - kept, chunks: input.chunks.length - included.length },
    };
  }

  private assemble(history: HistoryTurn[], chunks: RetrievedChunk[], question: string): LlmMessage[] {
    const sources = chunks.map((c, i) => `[${i + 1}] ${c.title}\n${c.text}`).join('\n\n');
    const user = chunks.length > 0 ? `Sources:\n${sources}\n\nQuestion: ${question}` : question;
    return [
      { role: 'system', content: SYSTEM_PROMPT },
      ...history.map((t): LlmMessage => ({ role: t.role, content: t.text })),
      { role: 'user', content: user },
    ];
  }
}
