-- A share's message, shown on its page (null: none). Shares made before have none.
ALTER TABLE shares ADD COLUMN message TEXT;
