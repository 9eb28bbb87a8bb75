import { z } from 'zod';
import { preprocessedQuerySchema } from './preprocessed-query.dto';

export const retrievedChunkSchema = z.object({
  chunkId: z.string(),
  documentId: z.string(),
  title: z.string(),
  source: z.string(),
  text: z.string(),
  /** Similarity to the query (cosine, higher is closer). */
  score: z.number(),
});
export type RetrievedChunk = z.infer<typeof retrievedChunkSchema>;

/** `chat.retrieved`: the query with the chunks the retriever chose, best first (the scope has done its work: dropped). */
export const retrievedContextSchema = preprocessedQuerySchema.omit({ scope: true }).extend({
  chunks: z.array(retrievedChunkSchema).max(100),
});
export type RetrievedContext = z.infer<typeof retrievedContextSchema>;
