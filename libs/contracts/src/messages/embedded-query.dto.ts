import { z } from 'zod';
import { preprocessedQuerySchema } from './preprocessed-query.dto';

/** `chat.embedded`: the query with its embedding (normalised) for the retriever. */
export const embeddedQuerySchema = preprocessedQuerySchema.extend({
  embedding: z.array(z.number()).min(1).max(8192),
  embeddingModel: z.string(),
});
export type EmbeddedQuery = z.infer<typeof embeddedQuerySchema>;
