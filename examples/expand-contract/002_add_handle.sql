-- Release 1 (expand): add the new column. The application starts writing both
-- username and handle; nothing reads handle yet.
SET lock_timeout = '2s';

ALTER TABLE users ADD COLUMN handle text;
