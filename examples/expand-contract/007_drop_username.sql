-- Release 3 (contract): no running code has used username since release 2.
SET lock_timeout = '2s';

DROP INDEX CONCURRENTLY users_username_key;
