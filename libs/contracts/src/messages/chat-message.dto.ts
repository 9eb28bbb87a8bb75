import { z } from 'zod';

/** One earlier turn of a conversation, as the session manager attaches it to a query. */
export const historyTurnSchema = z.object({
  role: z.enum(['user', 'assistant']),
  text: z.string().max(100_000),
});
export type HistoryTurn = z.infer<typeof historyTurnSchema>;

export const moderationSchema = z.object({ action: z.enum(['none', 'masked']) });
export type Moderation = z.infer<typeof moderationSchema>;

/** A message in the model's chat format; the LLM adapter applies the model's own chat template. */
export const llmMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
});
export type LlmMessage = z.infer<typeof llmMessageSchema>;
