-- Release 2: validate in its own transaction; only a SHARE UPDATE EXCLUSIVE
-- lock is held while the table is scanned, so reads and writes go on.
SET lock_timeout = '2s';

ALTER TABLE users VALIDATE CONSTRAINT users_handle_not_null;
