import type { LlmMessage } from '@relay/contracts';
import type { Generation, GenerateOptions, Llm } from '@relay/llm';

/** Streams a fixed answer word by word with a small delay, honouring maxTokens and the abort signal. */
export class ScriptedLlm implements Llm {
  readonly modelName = 'scripted';
  readonly prompts: LlmMessage[][] = [];
  /** Generations running now, and the most that ever ran at once. */
  running = 0;
  peakRunning = 0;

  constructor(
    private readonly answer = 'Relay answers from your documents [1] quickly and clearly.',
    private readonly delayMs = 5,
    /** How many answers the worker may have it generate at once; the rest wait in the worker's queue. */
    readonly parallelism = 16,
  ) {}

  isReady(): boolean {
    return true;
  }

  async generate(messages: LlmMessage[], options: GenerateOptions): Promise<Generation> {
    this.prompts.push(messages);
    this.peakRunning = Math.max(this.peakRunning, ++this.running);
    try {
      return await this.stream(options);
    } finally {
      this.running--;
    }
  }

  private async stream(options: GenerateOptions): Promise<Generation> {
    const words = this.answer.split(/(?<= )/);
    let text = '';
    let produced = 0;
    for (const word of words) {
      if (options.signal?.aborted) return { text, finishReason: 'cancelled', promptTokens: 10, completionTokens: produced };
      if (produced >= options.maxTokens) return { text, finishReason: 'length', promptTokens: 10, completionTokens: produced };
      await new Promise((r) => setTimeout(r, this.delayMs));
      text += word;
      produced++;
      options.onDelta(word);
    }
    return { text, finishReason: 'stop', promptTokens: 10, completionTokens: produced };
  }
}
