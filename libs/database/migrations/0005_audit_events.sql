-- The audit trail of the distributed mode (libs/audit-trail PostgresAuditTrail): every interaction and every access
-- decision of every gateway replica, in one table any replica queries (GET /api/admin/audit). Ids, outcomes and
-- counts; message text only with the gateway's AUDIT_MESSAGE_TEXT=true.
CREATE TABLE audit_events (
  -- Grows with every insert: the paging cursor, so a page boundary stays put while new entries arrive.
  id                  bigserial PRIMARY KEY,
  at                  timestamptz NOT NULL,
  kind                text NOT NULL CHECK (kind IN ('request', 'interaction', 'access')),
  user_id             text,
  session_id          text,
  message_id          text,
  correlation_id      text,
  -- interaction: answered, expired, interrupted, error:<CODE>, session-deleted, …; access: allowed, refused.
  outcome             text,
  -- What the profanity filter did: none, masked, rejected.
  moderation          text,
  completion_tokens   integer,
  cited_document_ids  text[],
  -- The question as the user sent it, only with AUDIT_MESSAGE_TEXT=true; else NULL.
  message_text        text,
  -- The record's other fields (finishReason, totalMs, reason; an access entry's event, code, client, target).
  details             jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_user ON audit_events (user_id, id);
CREATE INDEX audit_events_session ON audit_events (session_id, id);
CREATE INDEX audit_events_kind_outcome ON audit_events (kind, outcome, id);
-- One interaction record per message, whichever replica ends it (the claim in `interactions` decides; this holds it).
CREATE UNIQUE INDEX audit_events_one_interaction ON audit_events (message_id) WHERE kind = 'interaction';

-- Who asked: the replica that ends an interaction (maybe not the one that accepted it) records it with the user.
-- The text waits here (AUDIT_MESSAGE_TEXT=true) until the claim moves it into the audit entry.
ALTER TABLE interactions ADD COLUMN user_id text, ADD COLUMN message_text text;
CREATE INDEX interactions_ended ON interactions (ended_at) WHERE ended_at IS NOT NULL;
