-- bangbang schema, SQLite dialect. Times are UTC milliseconds (INTEGER) in both dialects
-- so that the query text is shared and comparisons are exact.

CREATE TABLE places (
    id             INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL CHECK (kind IN ('district','subdistrict','community','grid','building','entrance')),
    parent_id      INTEGER REFERENCES places(id),
    name           TEXT    NOT NULL,
    slug           TEXT,
    code_prefix    TEXT,
    number         TEXT,
    district_id    INTEGER REFERENCES places(id),
    subdistrict_id INTEGER REFERENCES places(id),
    community_id   INTEGER REFERENCES places(id),
    grid_id        INTEGER REFERENCES places(id),
    building_id    INTEGER REFERENCES places(id)
);
CREATE UNIQUE INDEX places_slug ON places(slug) WHERE slug IS NOT NULL;
CREATE UNIQUE INDEX places_child_name ON places(COALESCE(parent_id, 0), kind, name);
CREATE INDEX places_community ON places(community_id, kind, number);
CREATE INDEX places_subdistrict ON places(subdistrict_id);
CREATE INDEX places_district ON places(district_id);

CREATE TABLE categories (
    code             TEXT    PRIMARY KEY,
    name_zh          TEXT    NOT NULL,
    name_en          TEXT    NOT NULL,
    counts_entrances INTEGER NOT NULL DEFAULT 0,
    sort_order       INTEGER NOT NULL DEFAULT 0,
    active           INTEGER NOT NULL DEFAULT 1
);

-- Per-category overrides of the default time limits (DESIGN.md); absent rows use the defaults.
CREATE TABLE time_limits (
    category        TEXT    NOT NULL REFERENCES categories(code),
    urgency         TEXT    NOT NULL CHECK (urgency IN ('normal','urgent','critical')),
    respond_minutes INTEGER NOT NULL CHECK (respond_minutes > 0),
    resolve_minutes INTEGER NOT NULL CHECK (resolve_minutes > 0),
    PRIMARY KEY (category, urgency)
);

CREATE TABLE users (
    id               INTEGER PRIMARY KEY,
    username         TEXT    NOT NULL UNIQUE,
    display_name     TEXT    NOT NULL,
    role             TEXT    NOT NULL CHECK (role IN ('staff','grid_worker','volunteer','supervisor','admin')),
    scope_place_id   INTEGER REFERENCES places(id),
    password_hash    TEXT    NOT NULL,
    phone            TEXT,
    skills           TEXT    NOT NULL DEFAULT '',
    home_entrance_id INTEGER REFERENCES places(id),
    active           INTEGER NOT NULL DEFAULT 1,
    created_ms       INTEGER NOT NULL
);
CREATE INDEX users_scope ON users(scope_place_id, role);

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    token_hash TEXT    NOT NULL UNIQUE,
    label      TEXT    NOT NULL DEFAULT '',
    created_ms INTEGER NOT NULL
);

CREATE TABLE requests (
    id                INTEGER PRIMARY KEY,
    code              TEXT    NOT NULL UNIQUE,
    community_id      INTEGER NOT NULL REFERENCES places(id),
    grid_id           INTEGER REFERENCES places(id),
    building_id       INTEGER REFERENCES places(id),
    entrance_id       INTEGER REFERENCES places(id),
    room              TEXT,
    category          TEXT    NOT NULL REFERENCES categories(code),
    channel           TEXT    NOT NULL,
    urgency           TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    reporter_name     TEXT    NOT NULL,
    reporter_phone    TEXT    NOT NULL,
    description       TEXT    NOT NULL,
    reported_ms       INTEGER NOT NULL,
    respond_by_ms     INTEGER NOT NULL,
    resolve_by_ms     INTEGER NOT NULL,
    first_response_ms INTEGER,
    resolved_ms       INTEGER,
    assignee_id       INTEGER REFERENCES users(id),
    partner           TEXT,
    outcome           TEXT,
    service_minutes   INTEGER,
    satisfaction      TEXT,
    next_follow_up_ms INTEGER,
    close_reason      TEXT,
    duplicate_of      TEXT,
    external_key      TEXT,
    last_seq          INTEGER NOT NULL
);
CREATE INDEX requests_community_reported ON requests(community_id, reported_ms, id);
CREATE INDEX requests_reported ON requests(reported_ms, id);
CREATE INDEX requests_status ON requests(status, resolve_by_ms);
CREATE INDEX requests_assignee ON requests(assignee_id, status);
CREATE INDEX requests_entrance ON requests(entrance_id, category);
CREATE UNIQUE INDEX requests_external_key ON requests(community_id, external_key) WHERE external_key IS NOT NULL;

-- The ledger. Append-only: triggers refuse UPDATE and DELETE, and the hash chain
-- (verified by `bangbang ledger verify`) catches anyone who goes around them.
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES requests(id),
    actor      TEXT    NOT NULL,
    actor_id   INTEGER,
    at_ms      INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    data       TEXT    NOT NULL,
    prev_hash  TEXT    NOT NULL,
    hash       TEXT    NOT NULL
);
CREATE INDEX events_request ON events(request_id, seq);
CREATE INDEX events_actor ON events(actor_id, kind);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END;

-- The head of the chain: one row. Every write takes it first, which orders all events.
CREATE TABLE ledger_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO ledger_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Who read a resident's personal data, and when (DESIGN.md: privacy).
CREATE TABLE personal_data_reads (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    request_id INTEGER NOT NULL REFERENCES requests(id),
    at_ms      INTEGER NOT NULL
);
CREATE INDEX personal_data_reads_request ON personal_data_reads(request_id, at_ms);
