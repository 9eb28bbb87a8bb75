export type DocumentStatus = 'indexing' | 'indexed' | 'failed' | 'deleting';

/** What the gateway knows of an uploaded document: what GET /api/documents lists. */
export interface DocumentRecord {
  documentId: string;
  title: string;
  source: string;
  /** txt, md, html, pdf or text (sent as JSON). */
  type: string;
  contentHash: string;
  status: DocumentStatus;
  chunks: number;
  /** Size of the upload in bytes. */
  bytes: number;
  createdAt: string;
  updatedAt: string;
  /** Why the last indexing failed. */
  error?: string;
  /** The collection it belongs to; records from before collections existed are in `default`. */
  collectionId?: string;
}

export const DOCUMENT_REGISTRY = Symbol('DOCUMENT_REGISTRY');

/**
 * The list of uploaded documents. Adapters: one JSON file under DATA_DIR (one gateway), or PostgreSQL (shared by
 * every gateway replica); test/stores holds the contract both meet.
 */
export interface DocumentRegistry {
  /** Newest change first (updatedAt descending, then documentId). */
  list(): Promise<DocumentRecord[]>;
  get(documentId: string): Promise<DocumentRecord | undefined>;
  /** Saves the record (replacing any with its id) and returns it. */
  put(record: DocumentRecord): Promise<DocumentRecord>;
  /** False if there was none. */
  remove(documentId: string): Promise<boolean>;
}
