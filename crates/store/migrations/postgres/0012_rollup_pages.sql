-- Room in each page of the rollups for the folder's updates to stay beside their rows (HOT
-- updates), so a place's months stay in a few pages; the rebuild this asks for writes them
-- in order.
ALTER TABLE figures SET (fillfactor = 70);
ALTER TABLE entrance_spans SET (fillfactor = 70);
DELETE FROM figures_state;
