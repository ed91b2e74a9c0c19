-- A share may ask for a password: its PBKDF2 hash (JSON: algorithm, iterations, salt, hash).
ALTER TABLE shares ADD COLUMN password TEXT;
