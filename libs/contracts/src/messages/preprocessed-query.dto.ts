import { z } from 'zod';
import { historyTurnSchema, moderationSchema } from './chat-message.dto';
import { queryScopeField } from './retrieval-scope.dto';

/** `chat.preprocessed`: the query after the profanity filter; `text` is what every later stage and the history see. */
export const preprocessedQuerySchema = z.object({
  userId: z.string(),
  text: z.string().min(1),
  history: z.array(historyTurnSchema),
  moderation: moderationSchema,
  /** chat.queries' scope, unchanged, for the retriever. */
  scope: queryScopeField,
});
export type PreprocessedQuery = z.infer<typeof preprocessedQuerySchema>;
