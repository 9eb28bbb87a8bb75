import { z } from 'zod';
import { historyTurnSchema } from './chat-message.dto';

/** `chat.queries`: a user's message as the session manager accepted it, with the recent history of its session. */
export const chatQuerySchema = z.object({
  userId: z.string().min(1).max(200),
  clientMessageId: z.string().min(1).max(200),
  text: z.string().min(1),
  history: z.array(historyTurnSchema).max(200),
  /** The collections the asking user may read, fixed when the gateway accepted the message; retrieval searches only these. */
  scope: z.object({ collectionIds: z.array(z.string().min(1).max(64)).max(10_000) }).optional(),
});
export type ChatQuery = z.infer<typeof chatQuerySchema>;
