import { z } from 'zod';
import { collectionIdSchema, MAX_SCOPE_COLLECTIONS } from '../collections';

/** Most documents one scope may exclude (documents being deleted or moved at the moment a message is accepted). */
export const MAX_SCOPE_EXCLUDED_DOCUMENTS = 4096;

/**
 * What a query may retrieve from, fixed by the gateway when it accepts the message: the collections its user may
 * read at that moment, less the documents that are being deleted or moved to another collection. The retriever
 * applies it inside the vector and keyword searches, never to their results.
 */
export const retrievalScopeSchema = z.object({
  /** Only chunks of these collections; an empty list retrieves nothing. */
  collectionIds: z.array(collectionIdSchema).max(MAX_SCOPE_COLLECTIONS),
  /** Never chunks of these documents, whatever their collection. */
  excludedDocumentIds: z.array(z.string().min(1).max(300)).max(MAX_SCOPE_EXCLUDED_DOCUMENTS).default([]),
});
export type RetrievalScope = z.infer<typeof retrievalScopeSchema>;

/**
 * The scope of a query record that carries none: one written by a Relay from before collections (schemaVersion 1),
 * still in a topic during an upgrade. It did not say who may read what, so it retrieves nothing (fail closed): the
 * message is still answered, from the question and history alone, rather than dead-lettered.
 */
export const scopeOfUnscopedRecord = (): RetrievalScope => ({ collectionIds: [], excludedDocumentIds: [] });

/** The scope field of the query topics: required of every producer, read as scopeOfUnscopedRecord() when absent. */
export const queryScopeField = retrievalScopeSchema.default(scopeOfUnscopedRecord);
