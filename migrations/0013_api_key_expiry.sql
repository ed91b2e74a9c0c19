-- An API key may be made to expire (POST /v1/keys {expiresIn | expiresAt}): past it, the key is
-- refused as unauthorized. Null: it lives until revoked, as every key made before did.
ALTER TABLE api_keys ADD COLUMN expires_at TEXT;
