import type { LlmMessage } from '@relay/contracts';
import type { PromptTokenizer } from '@relay/llm';

/**
 * Counts a prompt as the whitespace-separated words of every message's content plus a fixed overhead per message
 * (standing in for the chat template's role markers). Predictable enough to compute budgets by hand in a test.
 */
export class FakePromptTokenizer implements PromptTokenizer {
  constructor(
    readonly contextSize: number,
    readonly perMessageOverhead = 4,
    readonly maxTokens = 512,
  ) {}

  isReady(): boolean {
    return true;
  }

  countPromptTokens(messages: LlmMessage[]): number {
    return messages.reduce((n, m) => n + this.perMessageOverhead + countWords(m.content), 0);
  }
}

export function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}
