-- PostgreSQL's own types, now that the store speaks to it through the native driver:
-- booleans are boolean, event data is jsonb, skills and photo ids are text arrays.
-- Times stay integer milliseconds since the Unix epoch (UTC) in the tables, the same on
-- both databases and the exact values the ledger hashes; the *_at views below give
-- analysts timestamptz columns for their own tools.

ALTER TABLE categories
    ALTER COLUMN counts_entrances DROP DEFAULT,
    ALTER COLUMN counts_entrances TYPE boolean USING counts_entrances <> 0,
    ALTER COLUMN counts_entrances SET DEFAULT false,
    ALTER COLUMN active DROP DEFAULT,
    ALTER COLUMN active TYPE boolean USING active <> 0,
    ALTER COLUMN active SET DEFAULT true;

ALTER TABLE users
    ALTER COLUMN active DROP DEFAULT,
    ALTER COLUMN active TYPE boolean USING active <> 0,
    ALTER COLUMN active SET DEFAULT true,
    ALTER COLUMN skills DROP DEFAULT,
    ALTER COLUMN skills TYPE text[] USING array_remove(string_to_array(skills, ','), ''),
    ALTER COLUMN skills SET DEFAULT '{}';

ALTER TABLE requests
    ALTER COLUMN photos DROP DEFAULT,
    ALTER COLUMN photos TYPE text[] USING array_remove(string_to_array(photos, ','), ''),
    ALTER COLUMN photos SET DEFAULT '{}';

-- Rewriting the column's type is not an UPDATE: the append-only triggers stay as they are
-- and every event keeps its hash (the hash covers the parsed JSON, not its spelling).
ALTER TABLE events ALTER COLUMN data TYPE jsonb USING data::jsonb;

CREATE VIEW requests_at AS
SELECT r.*,
       to_timestamp(r.reported_ms / 1000.0)       AS reported_at,
       to_timestamp(r.respond_by_ms / 1000.0)     AS respond_by_at,
       to_timestamp(r.resolve_by_ms / 1000.0)     AS resolve_by_at,
       to_timestamp(r.first_response_ms / 1000.0) AS first_response_at,
       to_timestamp(r.resolved_ms / 1000.0)       AS resolved_at,
       to_timestamp(r.next_follow_up_ms / 1000.0) AS next_follow_up_at
FROM requests r;

CREATE VIEW events_at AS
SELECT e.*, to_timestamp(e.at_ms / 1000.0) AS at
FROM events e;

CREATE VIEW service_hours_at AS
SELECT h.*, to_timestamp(h.at_ms / 1000.0) AS at
FROM service_hours h;
