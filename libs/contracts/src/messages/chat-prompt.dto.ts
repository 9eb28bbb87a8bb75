import { z } from 'zod';
import { llmMessageSchema, moderationSchema } from './chat-message.dto';

/** A source as the prompt numbered it; `n` is the `[n]` the model is asked to cite. */
export const promptSourceSchema = z.object({
  n: z.number().int().positive(),
  documentId: z.string(),
  title: z.string(),
  source: z.string(),
  snippet: z.string(),
  score: z.number(),
});
export type PromptSource = z.infer<typeof promptSourceSchema>;

/** `chat.prompts`: a fully built prompt that fits the model's context with room for `maxTokens` of answer. */
export const chatPromptSchema = z.object({
  /** Whose message: the LLM worker's queue takes turns between users. */
  userId: z.string().min(1).max(200),
  messages: z.array(llmMessageSchema).min(1),
  sources: z.array(promptSourceSchema),
  promptTokens: z.number().int().nonnegative(),
  maxTokens: z.number().int().positive(),
  moderation: moderationSchema,
  /** What the prompt builder left out to fit the budget, for the audit and the details view. */
  dropped: z.object({ historyTurns: z.number().int().nonnegative(), chunks: z.number().int().nonnegative() }),
});
export type ChatPrompt = z.infer<typeof chatPromptSchema>;
