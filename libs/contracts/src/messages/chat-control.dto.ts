import { z } from 'zod';

/** `chat.control`: a client's instruction about a message in flight. The message id is the envelope's. */
export const chatControlSchema = z.object({ type: z.literal('cancel') });
export type ChatControl = z.infer<typeof chatControlSchema>;
