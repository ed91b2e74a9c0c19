-- A share link may open on a page (file name, size, expiry, a Download button) that counts
-- nothing; only the download counts. Shares made before keep answering with the object.
ALTER TABLE shares ADD COLUMN page INTEGER NOT NULL DEFAULT 0;
