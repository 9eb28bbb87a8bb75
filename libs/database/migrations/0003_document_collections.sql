-- Documents live in collections (issue 13): the collection each document is in, and, while a move to another
-- collection is being indexed, the one its chunks may still be in. Documents listed before collections existed are
-- the `default` collection's, as their chunks are.

ALTER TABLE documents ADD COLUMN collection_id text NOT NULL DEFAULT 'default';
ALTER TABLE documents ADD COLUMN previous_collection_id text;

-- The default scope lists every collection some document is in.
CREATE INDEX documents_by_collection ON documents (collection_id);
-- Read for every chat message: the documents no query may retrieve right now (being deleted, or being moved).
CREATE INDEX documents_hidden ON documents (document_id) WHERE status = 'deleting' OR previous_collection_id IS NOT NULL;
