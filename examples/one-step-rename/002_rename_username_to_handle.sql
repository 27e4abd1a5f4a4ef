-- Rename username to handle in one step: quick to write, and it breaks every
-- running instance of the previous release until the deploy finishes.
ALTER TABLE users RENAME COLUMN username TO handle;
ALTER INDEX users_username_key RENAME TO users_handle_key;
