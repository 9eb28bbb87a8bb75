import { z } from 'zod';
import { llmMessageSchema, moderationSchema } from './chat-message.dto';

/** A piece of a text, as offsets into it: `text.slice(start, end)`. */
export const textSpanSchema = z.object({ start: z.number().int().nonnegative(), end: z.number().int().nonnegative() });
export type TextSpan = z.infer<typeof textSpanSchema>;

/** A source as the prompt numbered it; `n` is the `[n]` the model is asked to cite. */
export const promptSourceSchema = z.object({
  n: z.number().int().positive(),
  documentId: z.string(),
  title: z.string(),
  source: z.string(),
  /** The retrieved chunk's text (at most 2,000 characters). */
  snippet: z.string(),
  score: z.number(),
  /** Where in `snippet` the passage the model was given lies: the sentences that best match the question. */
  highlights: z.array(textSpanSchema).max(50).default([]),
});
export type PromptSource = z.infer<typeof promptSourceSchema>;

/** `chat.prompts`: a fully built prompt that fits the model's context with room for `maxTokens` of answer. */
export const chatPromptSchema = z.object({
  /** Whose message: the LLM worker's queue takes turns between users. */
  userId: z.string().min(1).max(200),
  messages: z.array(llmMessageSchema).min(1),
  /** The user's question as asked, for the LLM worker to tell what the answer adds to it (source attribution). */
  question: z.string().default(''),
  sources: z.array(promptSourceSchema),
  promptTokens: z.number().int().nonnegative(),
  maxTokens: z.number().int().positive(),
  moderation: moderationSchema,
  /** What the prompt builder left out to fit the budget, for the audit and the details view. */
  dropped: z.object({ historyTurns: z.number().int().nonnegative(), chunks: z.number().int().nonnegative() }),
});
export type ChatPrompt = z.infer<typeof chatPromptSchema>;
