import { z } from 'zod';
import { documentIdSchema } from './document-ingest.dto';

/**
 * docs.indexed: what became of a docs.ingest record, read by every gateway (the one that took the upload answers
 * it; the others keep their document list current).
 */
export const documentIndexedSchema = z.object({
  documentId: documentIdSchema,
  status: z.enum(['indexed', 'failed', 'deleted']),
  /** Chunks now indexed (indexed), removed (deleted), or 0 (failed). */
  chunks: z.number().int().nonnegative(),
  /** The version the status is about (absent for a delete). */
  contentHash: z.string().optional(),
  title: z.string().optional(),
  source: z.string().optional(),
  /** The collection of the version the status is about (as its docs.ingest record named it). */
  collectionId: z.string().max(64).optional(),
  /** Why it failed, fit for a user. */
  reason: z.string().max(2000).optional(),
});
export type DocumentIndexed = z.infer<typeof documentIndexedSchema>;
