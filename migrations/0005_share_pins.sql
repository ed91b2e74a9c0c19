-- A share records its object's ETag at creation; a pinned share serves only that version.
-- Shares made before follow their key (pin 0), as they always did.
ALTER TABLE shares ADD COLUMN etag TEXT;
ALTER TABLE shares ADD COLUMN pin INTEGER NOT NULL DEFAULT 0;
