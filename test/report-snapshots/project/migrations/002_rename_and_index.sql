-- Umbenennung: «email» → «login»
SET lock_timeout = '2s';
ALTER TABLE accounts RENAME COLUMN email TO login;

/* 🚀 */ CREATE INDEX accounts_nickname_idx
	ON accounts (nickname);

ALTER TABLE accounts ADD COLUMN "straße" varchar(80);

-- lockwise-ignore require-concurrent-index -- nothing to suppress here
SELECT 1;
