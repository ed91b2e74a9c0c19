-- Share links: revocable, counted, IP-bound grants on one object, owned by their creator.
CREATE TABLE shares (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  bucket TEXT NOT NULL,
  object_key TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('redirect', 'proxy')),
  filename TEXT,
  disposition TEXT,
  allow_ips TEXT,
  max_downloads INTEGER,
  downloads INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at TEXT,
  last_used_at TEXT
);
CREATE INDEX shares_owner ON shares (owner, created_at, id);

-- One row per use of a share link: when, from where, and what it was answered.
CREATE TABLE share_uses (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  share_id TEXT NOT NULL,
  at TEXT NOT NULL,
  client_ip TEXT,
  outcome TEXT NOT NULL
);
CREATE INDEX share_uses_share ON share_uses (share_id, seq);
