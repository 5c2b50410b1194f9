-- Figures kept ready by month (see crates/domain/src/figures.rs). Each request's tally is
-- added to the month it was received in, at every place it lies in (its grid, community,
-- sub-district, district, and place 0 for "everywhere"), in the same transaction as its
-- event. Writers only ever append signed differences to *_deltas, so communities never
-- wait on each other for a shared row; a folder moves the differences into the base
-- tables. Figures read the base and the differences together, so they are exact whether
-- or not the folder has run.
CREATE TABLE figures (
    place_id          BIGINT  NOT NULL,
    month             INTEGER NOT NULL,
    category          TEXT    NOT NULL,
    channel           TEXT    NOT NULL,
    received          BIGINT  NOT NULL,
    resolved          BIGINT  NOT NULL,
    long_term         BIGINT  NOT NULL,
    open              BIGINT  NOT NULL,
    closed            BIGINT  NOT NULL,
    responded_in_time BIGINT  NOT NULL,
    resolved_in_time  BIGINT  NOT NULL,
    rated             BIGINT  NOT NULL,
    satisfied         BIGINT  NOT NULL,
    PRIMARY KEY (place_id, month, category, channel)
);
CREATE TABLE figure_deltas (
    id                INTEGER PRIMARY KEY,
    place_id          BIGINT  NOT NULL,
    month             INTEGER NOT NULL,
    category          TEXT    NOT NULL,
    channel           TEXT    NOT NULL,
    received          BIGINT  NOT NULL,
    resolved          BIGINT  NOT NULL,
    long_term         BIGINT  NOT NULL,
    open              BIGINT  NOT NULL,
    closed            BIGINT  NOT NULL,
    responded_in_time BIGINT  NOT NULL,
    resolved_in_time  BIGINT  NOT NULL,
    rated             BIGINT  NOT NULL,
    satisfied         BIGINT  NOT NULL
);
CREATE INDEX figure_deltas_place ON figure_deltas(place_id, month);

-- Per entrance and category, the months it had requests in (kind 0) and resolved
-- requests in (kind 1): the cells of the distinct-entrance count.
CREATE TABLE entrance_months (
    entrance_id BIGINT  NOT NULL,
    category    TEXT    NOT NULL,
    month       INTEGER NOT NULL,
    requests    BIGINT  NOT NULL,
    resolved    BIGINT  NOT NULL,
    PRIMARY KEY (entrance_id, category, month)
);
-- Cells counted by (month, the entrance's previous cell's month), per place.
CREATE TABLE entrance_spans (
    place_id   BIGINT   NOT NULL,
    kind       INTEGER  NOT NULL,
    category   TEXT     NOT NULL,
    month      INTEGER  NOT NULL,
    prev_month INTEGER  NOT NULL,
    cells      BIGINT   NOT NULL,
    PRIMARY KEY (place_id, month, kind, category, prev_month)
);
CREATE TABLE entrance_span_deltas (
    id         INTEGER  PRIMARY KEY,
    place_id   BIGINT   NOT NULL,
    kind       INTEGER  NOT NULL,
    category   TEXT     NOT NULL,
    month      INTEGER  NOT NULL,
    prev_month INTEGER  NOT NULL,
    cells      BIGINT   NOT NULL
);
CREATE INDEX entrance_span_deltas_place ON entrance_span_deltas(place_id, month);

-- The time-zone offset the months were cut in; rebuilt from the requests when it differs.
CREATE TABLE figures_state (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    zone_offset_seconds INTEGER NOT NULL
);

-- Overdue is counted when asked, from the open requests only.
CREATE INDEX requests_open_community ON requests(community_id, reported_ms)
    WHERE status IN ('submitted', 'pooled', 'dispatched', 'accepted', 'in_progress');
CREATE INDEX requests_open_subdistrict ON requests(subdistrict_id, reported_ms)
    WHERE status IN ('submitted', 'pooled', 'dispatched', 'accepted', 'in_progress');
CREATE INDEX requests_open_district ON requests(district_id, reported_ms)
    WHERE status IN ('submitted', 'pooled', 'dispatched', 'accepted', 'in_progress');
CREATE INDEX requests_open_reported ON requests(reported_ms)
    WHERE status IN ('submitted', 'pooled', 'dispatched', 'accepted', 'in_progress');
