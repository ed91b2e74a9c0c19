-- A folder share: its object_key is a prefix ending in /, and the link serves every object
-- under it (one file, a listing, a zip). Shares made before are of one object (folder 0).
ALTER TABLE shares ADD COLUMN folder INTEGER NOT NULL DEFAULT 0;
