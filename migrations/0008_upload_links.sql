-- Upload links: the owner index that listings read (the link's Durable Object holds its state and
-- its files; file_count reaches this row a moment after each file).
CREATE TABLE upload_links (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  record TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT,
  file_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX upload_links_by_owner ON upload_links (owner, created_at, id);
CREATE INDEX upload_links_by_time ON upload_links (created_at, id);
