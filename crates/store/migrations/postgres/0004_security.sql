-- Throttles: hits per key (a sign-in name, a client address, a public form) in fixed
-- windows, kept in the database so that every instance counts together and a restart
-- forgets nothing.
CREATE TABLE throttles (
    key             TEXT    PRIMARY KEY,
    window_start_ms BIGINT  NOT NULL,
    hits            BIGINT  NOT NULL
);

-- The tracking key: the secret part of a resident's tracking link. Without it the public
-- pages show nothing, so codes cannot be walked. Not part of the ledger (it is a
-- credential, not a fact). Existing requests get one now (gen_random_uuid is random).
ALTER TABLE requests ADD COLUMN track_key TEXT NOT NULL DEFAULT '';
UPDATE requests SET track_key = upper(substr(replace(gen_random_uuid()::text, '-', ''), 1, 10));

-- API tokens can expire and be revoked.
ALTER TABLE api_tokens ADD COLUMN expires_ms BIGINT;
ALTER TABLE api_tokens ADD COLUMN revoked_ms BIGINT;
