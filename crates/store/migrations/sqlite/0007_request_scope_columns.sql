-- Each request carries its sub-district and district beside its community, so that a list
-- or a figure at any scope walks one index in time order instead of gathering every
-- community of the district first.
ALTER TABLE requests ADD COLUMN subdistrict_id BIGINT REFERENCES places(id);
ALTER TABLE requests ADD COLUMN district_id BIGINT REFERENCES places(id);
UPDATE requests SET
    subdistrict_id = (SELECT p.subdistrict_id FROM places p WHERE p.id = requests.community_id),
    district_id = (SELECT p.district_id FROM places p WHERE p.id = requests.community_id);
CREATE INDEX requests_subdistrict_reported ON requests(subdistrict_id, reported_ms, id);
CREATE INDEX requests_district_reported ON requests(district_id, reported_ms, id);
