-- The uploaded documents the gateway lists (apps/gateway/src/documents, PostgresDocumentRegistry). The chunks and
-- vectors are the vector store's; this is what GET /api/documents shows.

CREATE TABLE documents (
  document_id   text PRIMARY KEY,
  title         text NOT NULL,
  source        text NOT NULL,
  -- txt, md, html, pdf, text (sent as JSON), or unknown (first heard of from another replica).
  type          text NOT NULL,
  content_hash  text NOT NULL,
  status        text NOT NULL CHECK (status IN ('indexing', 'indexed', 'failed', 'deleting')),
  chunks        integer NOT NULL CHECK (chunks >= 0),
  bytes         bigint NOT NULL CHECK (bytes >= 0),
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  -- Why the last indexing failed.
  error         text
);
CREATE INDEX documents_newest_first ON documents (updated_at DESC, document_id);
