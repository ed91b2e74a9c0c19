-- Who is mailed about a share's downloads: {to: [addresses], origin} as JSON, or null. Upload
-- links keep theirs in their record.
ALTER TABLE shares ADD COLUMN notify TEXT;
