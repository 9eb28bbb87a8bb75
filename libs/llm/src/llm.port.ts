import type { FinishReason, LlmMessage } from '@relay/contracts';

export const LLM = Symbol('LLM');
export const PROMPT_TOKENIZER = Symbol('PROMPT_TOKENIZER');

export interface GenerateOptions {
  maxTokens: number;
  /** Aborting stops generation at once; the result then has finishReason "cancelled" and the text so far. */
  signal?: AbortSignal;
  /** Called with each piece of text as the model produces it. */
  onDelta(delta: string): void;
}

export interface Generation {
  text: string;
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens the model already had evaluated (a shared prefix reused), when it can tell. */
  cachedPromptTokens?: number;
}

/** A chat model that streams. Adapters apply the model's own chat template to the messages. */
export interface Llm {
  readonly modelName: string;
  /** Answers it generates at once; the LLM worker queues the rest (Infinity: the model server queues them). */
  readonly parallelism: number;
  isReady(): boolean;
  generate(messages: LlmMessage[], options: GenerateOptions): Promise<Generation>;
}

/** Measures prompts the way the model will see them, so the prompt builder can keep within its context. */
export interface PromptTokenizer {
  /** Tokens the model can attend to: prompt and answer together. */
  readonly contextSize: number;
  /** Tokens kept for the answer: the model's tuned default, or LLM_MAX_TOKENS. */
  readonly maxTokens: number;
  isReady(): boolean;
  /** Tokens of these messages with the chat template applied, up to where the answer starts. */
  countPromptTokens(messages: LlmMessage[]): number;
}
