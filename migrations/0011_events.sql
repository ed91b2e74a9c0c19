-- The activity feed (GET /v1/events): every event Signet announced, once (by its id), with the
-- owner of the link it is about (null: no link, such as a gateway upload), kept 31 days.
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  owner TEXT,
  type TEXT NOT NULL,
  at TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX events_by_owner ON events (owner, seq);
CREATE INDEX events_by_time ON events (at);
