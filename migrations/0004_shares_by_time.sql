-- The admin lists every share in creation order; revoking a key revokes its live shares.
CREATE INDEX shares_created ON shares (created_at, id);
CREATE INDEX shares_owner_live ON shares (owner, revoked_at);
