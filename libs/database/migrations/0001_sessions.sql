-- Chat sessions, their history, and the client message ids each has seen (libs/session-store, PostgresSessionStore).

CREATE TABLE sessions (
  session_id  text PRIMARY KEY,
  user_id     text NOT NULL,
  -- Chats will be listed, named and renamed per user; until then the title is empty.
  title       text,
  created_at  timestamptz NOT NULL,
  -- The last turn's time: a user's chat list is ordered by it.
  updated_at  timestamptz NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id, updated_at DESC);

-- One row per turn. A user's message and its answer share a message id, so a turn is (message_id, role), and
-- appending the same turn twice (two gateway replicas recording one answer) stores it once.
CREATE TABLE session_messages (
  session_id     text NOT NULL REFERENCES sessions ON DELETE CASCADE,
  -- The order turns were recorded in, which is the order history is read back in.
  position       bigint GENERATED ALWAYS AS IDENTITY,
  message_id     text NOT NULL,
  role           text NOT NULL CHECK (role IN ('user', 'assistant')),
  text           text NOT NULL,
  created_at     timestamptz NOT NULL,
  finish_reason  text,
  citations      jsonb,
  details        jsonb,
  error          jsonb,
  PRIMARY KEY (session_id, message_id, role)
);
CREATE INDEX session_messages_in_order ON session_messages (session_id, position);

-- A client message id → the message id it was given, so a re-sent message gets the same answer.
CREATE TABLE session_client_messages (
  session_id         text NOT NULL REFERENCES sessions ON DELETE CASCADE,
  client_message_id  text NOT NULL,
  message_id         text NOT NULL,
  PRIMARY KEY (session_id, client_message_id)
);
