-- Users, sign-in sessions, collections and their grants, per-user usage, and which gateway ended each interaction
-- (apps/gateway/src/users, auth, access, fair-use, audit: the Postgres adapters of their ports).

-- Accounts kept by Relay (AUTH_MODE=local). With AUTH_MODE=oidc the provider keeps them and this table stays empty.
CREATE TABLE users (
  user_id        text PRIMARY KEY,
  display_name   text NOT NULL,
  role           text NOT NULL CHECK (role IN ('admin', 'member', 'reader')),
  groups         jsonb NOT NULL DEFAULT '[]',
  -- scrypt$<log2 N>$<r>$<p>$<salt>$<hash>: never the password.
  password_hash  text NOT NULL,
  disabled       boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);

-- A browser's (or an API client's) sign-in. The id the client holds is never stored: only its SHA-256.
CREATE TABLE sign_in_sessions (
  id_hash     text PRIMARY KEY,
  user_id     text NOT NULL,
  -- Who the user was at sign-in (name, role, role claims, groups): OIDC users have no row in users.
  principal   jsonb NOT NULL,
  csrf_token  text NOT NULL,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX sign_in_sessions_by_user ON sign_in_sessions (user_id);

-- A named set of documents; `default` always exists (uploads that name none, the sample knowledge base).
CREATE TABLE collections (
  collection_id  text PRIMARY KEY,
  name           text NOT NULL,
  -- Who created it: may grant and revoke on it besides admins. NULL for `default`.
  owner_id       text,
  created_at     timestamptz NOT NULL
);
INSERT INTO collections (collection_id, name, owner_id, created_at) VALUES ('default', 'Shared documents', NULL, now());

-- Read or write access to a collection for a user, a group or a role claim (write includes read).
CREATE TABLE collection_grants (
  collection_id  text NOT NULL REFERENCES collections ON DELETE CASCADE,
  subject_type   text NOT NULL CHECK (subject_type IN ('user', 'group', 'role')),
  subject_id     text NOT NULL,
  access         text NOT NULL CHECK (access IN ('read', 'write')),
  granted_by     text NOT NULL,
  granted_at     timestamptz NOT NULL,
  PRIMARY KEY (collection_id, subject_type, subject_id)
);
CREATE INDEX collection_grants_by_subject ON collection_grants (subject_type, subject_id);

-- documents.collection_id comes from 0003_document_collections.sql.

-- Fair use across gateway replicas: messages per user per minute (a fixed window), tokens per user per UTC day,
-- and the answers each user has being generated (a row per message until its answer ends).
CREATE TABLE user_message_windows (
  user_id       text NOT NULL,
  window_start  timestamptz NOT NULL,
  messages      integer NOT NULL,
  PRIMARY KEY (user_id, window_start)
);
CREATE TABLE user_token_days (
  user_id  text NOT NULL,
  day      date NOT NULL,
  tokens   bigint NOT NULL,
  PRIMARY KEY (user_id, day)
);
CREATE TABLE user_answers_in_flight (
  message_id   text PRIMARY KEY,
  user_id      text NOT NULL,
  accepted_at  timestamptz NOT NULL
);
CREATE INDEX user_answers_in_flight_by_user ON user_answers_in_flight (user_id, accepted_at);

-- Every accepted message until its audit record is written: the gateway that ends it (any replica) claims the row,
-- so the interaction gets exactly one record even when the gateway that accepted it has died.
CREATE TABLE interactions (
  message_id      text PRIMARY KEY,
  session_id      text NOT NULL,
  correlation_id  text NOT NULL,
  accepted_at     timestamptz NOT NULL,
  ended_at        timestamptz,
  outcome         text
);
CREATE INDEX interactions_open ON interactions (accepted_at) WHERE ended_at IS NULL;
