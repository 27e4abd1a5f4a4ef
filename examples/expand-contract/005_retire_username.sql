-- Release 2 (switch reads, stop writes): the application now reads and writes
-- only handle. Mark username as retired, so that dropping it in a later release
-- is allowed, and make handle required without a long lock.
SET lock_timeout = '2s';

COMMENT ON COLUMN users.username IS 'deprecated: use handle (retired in release 2)';

ALTER TABLE users ADD CONSTRAINT users_handle_not_null CHECK (handle IS NOT NULL) NOT VALID;
