import { z } from 'zod';

/**
 * A collection is a named set of documents; who may read it is decided by the gateway (issue 13), and retrieval
 * searches only the collections a query's scope names. Ids are lower-case so that `HR` and `hr` cannot be two
 * collections with different grants.
 */
export const COLLECTION_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * Always exists: documents uploaded without naming a collection, the sample knowledge base, and every chunk or
 * record written before collections existed belong to it.
 */
export const DEFAULT_COLLECTION_ID = 'default';

export const collectionIdSchema = z.string().regex(COLLECTION_ID_PATTERN, {
  message: 'must be 1-64 characters of lower-case letters, digits, _ and -, starting with a letter or digit',
});

/** Most collections one scope (or one chat:send) may name. */
export const MAX_SCOPE_COLLECTIONS = 4096;
