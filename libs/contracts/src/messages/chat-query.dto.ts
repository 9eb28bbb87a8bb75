import { z } from 'zod';
import { historyTurnSchema } from './chat-message.dto';

/** `chat.queries`: a user's message as the session manager accepted it, with the recent history of its session. */
export const chatQuerySchema = z.object({
  userId: z.string().min(1).max(200),
  clientMessageId: z.string().min(1).max(200),
  text: z.string().min(1),
  history: z.array(historyTurnSchema).max(200),
});
export type ChatQuery = z.infer<typeof chatQuerySchema>;
