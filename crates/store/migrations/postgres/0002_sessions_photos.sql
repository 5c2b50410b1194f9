-- Browser sessions (the cookie holds a random token; only its SHA-256 is stored) and
-- photos attached to requests (content-addressed ids, comma-separated).
CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    BIGINT  NOT NULL REFERENCES users(id),
    created_ms BIGINT  NOT NULL,
    expires_ms BIGINT  NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

ALTER TABLE requests ADD COLUMN photos TEXT NOT NULL DEFAULT '';
