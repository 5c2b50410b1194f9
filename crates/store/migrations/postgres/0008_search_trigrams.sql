-- Text search without reading the whole table: trigram indexes on exactly the expressions
-- the search compares (lower-cased, as on SQLite), for `LIKE '%words%'`. pg_trgm ships
-- with PostgreSQL and is a trusted extension: a database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX requests_search_code ON requests USING gin (LOWER(code) gin_trgm_ops);
CREATE INDEX requests_search_reporter ON requests USING gin (LOWER(reporter_name) gin_trgm_ops);
CREATE INDEX requests_search_description ON requests USING gin (LOWER(description) gin_trgm_ops);
CREATE INDEX requests_search_outcome ON requests USING gin (LOWER(outcome) gin_trgm_ops);
CREATE INDEX requests_search_room ON requests USING gin (LOWER(room) gin_trgm_ops);
