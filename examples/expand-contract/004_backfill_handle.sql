-- Release 1 (backfill): copy existing values in bounded batches, so that no
-- single transaction locks every row. The deploy script repeats this statement
-- with the next key range until it updates no rows.
UPDATE users
SET handle = username
WHERE id >= 1 AND id < 10001
  AND handle IS NULL;
