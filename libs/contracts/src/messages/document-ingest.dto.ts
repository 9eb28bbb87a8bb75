import { z } from 'zod';

/** Longest document id: it is the record key, carried in the envelope's `sessionId` field (at most 100 characters). */
export const DOCUMENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

/**
 * Largest docs.ingest record, in bytes of JSON. Kafka's default record limit is 1 MB; Relay creates docs.ingest
 * with `max.message.bytes` set to this, and the gateway refuses a document whose record would be larger.
 */
export const DOCUMENT_INGEST_MAX_RECORD_BYTES = 32 * 1024 * 1024;

export const documentIdSchema = z.string().regex(DOCUMENT_ID_PATTERN, { message: 'must be 1–100 characters of letters, digits, . _ : -' });

/** A stretch of a document's text: the whole text, or one page of a PDF. */
export const documentSectionSchema = z.object({
  text: z.string(),
  /** 1-based page of a paginated source. */
  page: z.number().int().positive().optional(),
});
export type DocumentSection = z.infer<typeof documentSectionSchema>;

/** Longest title and source a docs.ingest record carries. */
export const DOCUMENT_TITLE_MAX_CHARS = 500;
export const DOCUMENT_SOURCE_MAX_CHARS = 2000;

/** A title cut to what docs.ingest carries, at a word boundary when one is near, marked with an ellipsis. */
export function clipDocumentTitle(title: string): string {
  const trimmed = title.trim();
  if (trimmed.length <= DOCUMENT_TITLE_MAX_CHARS) return trimmed;
  const cut = trimmed.slice(0, DOCUMENT_TITLE_MAX_CHARS - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > DOCUMENT_TITLE_MAX_CHARS - 60 ? cut.slice(0, space) : cut}…`;
}

/** docs.ingest: index a document (replacing any earlier version of it), or remove it from every index. */
export const documentUpsertSchema = z.object({
  type: z.literal('upsert'),
  documentId: documentIdSchema,
  title: z.string().min(1).max(DOCUMENT_TITLE_MAX_CHARS),
  source: z.string().min(1).max(DOCUMENT_SOURCE_MAX_CHARS),
  /** sha256 of the document's text, hex: the same document sent twice is recognised by it. */
  contentHash: z.string().regex(/^[0-9a-f]{64}$/),
  /** markdown: `#` lines are headings (Markdown and HTML uploads); plain: no headings (text files, PDFs). */
  format: z.enum(['markdown', 'plain']),
  sections: z.array(documentSectionSchema).min(1).max(100_000),
  /** The collection it belongs to (absent in records of older versions: `default`). */
  collectionId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/).optional(),
});
export type DocumentUpsert = z.infer<typeof documentUpsertSchema>;

export const documentDeleteSchema = z.object({
  type: z.literal('delete'),
  documentId: documentIdSchema,
});
export type DocumentDelete = z.infer<typeof documentDeleteSchema>;

export const documentIngestSchema = z.discriminatedUnion('type', [documentUpsertSchema, documentDeleteSchema]);
export type DocumentIngest = z.infer<typeof documentIngestSchema>;
