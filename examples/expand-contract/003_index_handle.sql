-- Release 1 (expand): index the new column without blocking writes.
-- CONCURRENTLY cannot run inside a transaction, so this file holds nothing else.
CREATE UNIQUE INDEX CONCURRENTLY users_handle_key ON users (handle);
