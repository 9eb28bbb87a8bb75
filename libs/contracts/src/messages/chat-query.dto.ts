import { z } from 'zod';
import { historyTurnSchema } from './chat-message.dto';
import { queryScopeField } from './retrieval-scope.dto';

/** The user id of sessions created without one (POST /api/sessions with no body). */
export const ANONYMOUS_USER_ID = 'anonymous';

/** `chat.queries`: a user's message as the session manager accepted it, with the recent history of its session. */
export const chatQuerySchema = z.object({
  userId: z.string().min(1).max(200),
  clientMessageId: z.string().min(1).max(200),
  text: z.string().min(1),
  history: z.array(historyTurnSchema).max(200),
  /** What retrieval may search for this message (the collections its user may read when it was accepted). */
  scope: queryScopeField,
});
export type ChatQuery = z.infer<typeof chatQuerySchema>;
