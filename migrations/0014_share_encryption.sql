-- End-to-end encrypted shares: the object is an aes128gcm body whose key Signet never holds; its
-- name, type and size travel encrypted in encrypted_meta (base64url).
ALTER TABLE shares ADD COLUMN encrypted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE shares ADD COLUMN encrypted_meta TEXT;
