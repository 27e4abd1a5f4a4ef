-- Release 3 (contract): the column was retired in 005 and no running code uses it.
SET lock_timeout = '2s';

ALTER TABLE users DROP COLUMN username;
