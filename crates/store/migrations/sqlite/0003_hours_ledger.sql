-- Volunteer service hours. Events may now stand without a request (hours for a group
-- activity); their hash covers request 0. SQLite cannot drop NOT NULL in place, so the
-- events table is rebuilt with every row copied as it was.
DROP TRIGGER events_no_update;
DROP TRIGGER events_no_delete;
CREATE TABLE events_v3 (
    seq        INTEGER PRIMARY KEY,
    request_id INTEGER REFERENCES requests(id),
    actor      TEXT    NOT NULL,
    actor_id   INTEGER,
    at_ms      INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    data       TEXT    NOT NULL,
    prev_hash  TEXT    NOT NULL,
    hash       TEXT    NOT NULL
);
INSERT INTO events_v3 (seq, request_id, actor, actor_id, at_ms, kind, data, prev_hash, hash)
SELECT seq, request_id, actor, actor_id, at_ms, kind, data, prev_hash, hash FROM events ORDER BY seq;
DROP TABLE events;
ALTER TABLE events_v3 RENAME TO events;
CREATE INDEX events_request ON events(request_id, seq);
CREATE INDEX events_actor ON events(actor_id, kind);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END;

-- The service-hours ledger, one row per change, written with its event: + for a resolved
-- job or a recorded activity, - when a resolved job is reopened.
CREATE TABLE service_hours (
    id           INTEGER PRIMARY KEY,
    volunteer_id INTEGER NOT NULL REFERENCES users(id),
    community_id INTEGER NOT NULL REFERENCES places(id),
    request_id   INTEGER REFERENCES requests(id),
    source       TEXT    NOT NULL CHECK (source IN ('job', 'activity', 'reversal')),
    activity     TEXT,
    minutes      INTEGER NOT NULL,
    at_ms        INTEGER NOT NULL,
    event_seq    INTEGER NOT NULL
);
CREATE INDEX service_hours_volunteer ON service_hours(volunteer_id, at_ms);
CREATE INDEX service_hours_community ON service_hours(community_id, at_ms);

-- Hours already earned before this table existed.
INSERT INTO service_hours (volunteer_id, community_id, request_id, source, minutes, at_ms, event_seq)
SELECT assignee_id, community_id, id, 'job', service_minutes, resolved_ms,
       (SELECT MAX(e.seq) FROM events e WHERE e.request_id = requests.id AND e.kind = 'resolved')
FROM requests
WHERE status IN ('resolved', 'reviewed') AND assignee_id IS NOT NULL
  AND service_minutes IS NOT NULL AND service_minutes > 0 AND resolved_ms IS NOT NULL
  AND EXISTS (SELECT 1 FROM events e WHERE e.request_id = requests.id AND e.kind = 'resolved');
