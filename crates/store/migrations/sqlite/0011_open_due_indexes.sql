-- Overdue is counted when asked as the open requests of a period (from the rollups) less
-- those not yet due; these indexes find the latter, few, by scope and due time. A request is
-- due at its respond-by time while nobody has acted on it (when that comes first), else
-- at its resolve-by time; the expression is the one the figures' query uses.
DROP INDEX requests_open_community;
DROP INDEX requests_open_subdistrict;
DROP INDEX requests_open_district;
DROP INDEX requests_open_reported;
CREATE INDEX requests_open_due_community ON requests(community_id,
    (CASE WHEN first_response_ms IS NULL AND respond_by_ms < resolve_by_ms THEN respond_by_ms ELSE resolve_by_ms END))
    WHERE status IN ('submitted', 'pooled', 'dispatched', 'accepted', 'in_progress');
CREATE INDEX requests_open_due_subdistrict ON requests(subdistrict_id,
    (CASE WHEN first_response_ms IS NULL AND respond_by_ms < resolve_by_ms THEN respond_by_ms ELSE resolve_by_ms END))
    WHERE status IN ('submitted', 'pooled', 'dispatched', 'accepted', 'in_progress');
CREATE INDEX requests_open_due_district ON requests(district_id,
    (CASE WHEN first_response_ms IS NULL AND respond_by_ms < resolve_by_ms THEN respond_by_ms ELSE resolve_by_ms END))
    WHERE status IN ('submitted', 'pooled', 'dispatched', 'accepted', 'in_progress');
CREATE INDEX requests_open_due ON requests(
    (CASE WHEN first_response_ms IS NULL AND respond_by_ms < resolve_by_ms THEN respond_by_ms ELSE resolve_by_ms END))
    WHERE status IN ('submitted', 'pooled', 'dispatched', 'accepted', 'in_progress');
-- A grid's tallies are now kept whole, not by category and channel: rebuild the rollups.
DELETE FROM figures_state;
