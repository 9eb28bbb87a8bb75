export type DocumentStatus = 'indexing' | 'indexed' | 'failed' | 'deleting';

/** What the gateway knows of an uploaded document: what GET /api/documents lists. */
export interface DocumentRecord {
  documentId: string;
  /** The collection the document belongs to (`default` when its upload named none). */
  collectionId: string;
  /**
   * While a move to another collection is being indexed: the collection its chunks may still be in. Such a document
   * is retrieved by no one until the move settles (see hiddenDocumentIds).
   */
  previousCollectionId?: string;
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
  /** Every collection some document is in, once each, in no particular order. */
  collectionIds(): Promise<string[]>;
  /**
   * Documents no query may retrieve right now, whatever its scope: those being deleted (their chunks may still be in
   * the indexes) and those being moved to another collection (their chunks may still be in the old one).
   */
  hiddenDocumentIds(): Promise<string[]>;
}

/** Whether a document is in a state where its chunks must not be retrieved (see DocumentRegistry.hiddenDocumentIds). */
export const isHidden = (doc: Pick<DocumentRecord, 'status' | 'previousCollectionId'>): boolean => doc.status === 'deleting' || doc.previousCollectionId !== undefined;
