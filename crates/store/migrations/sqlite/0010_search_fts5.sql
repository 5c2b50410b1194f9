-- Text search without reading the whole table: an FTS5 index with the trigram tokenizer
-- over the searched columns, so `code`, names, descriptions, outcomes and rooms are found
-- by any substring of three characters or more (Chinese has no spaces to split words at),
-- ignoring case. It indexes the requests table's own rows (external content) and is kept
-- by triggers, in the same transaction as every write.
CREATE VIRTUAL TABLE requests_search USING fts5(
    code, reporter_name, description, outcome, room,
    content = 'requests', content_rowid = 'id',
    tokenize = 'trigram case_sensitive 0'
);
CREATE TRIGGER requests_search_insert AFTER INSERT ON requests BEGIN
    INSERT INTO requests_search (rowid, code, reporter_name, description, outcome, room)
    VALUES (new.id, new.code, new.reporter_name, new.description, new.outcome, new.room);
END;
CREATE TRIGGER requests_search_delete AFTER DELETE ON requests BEGIN
    INSERT INTO requests_search (requests_search, rowid, code, reporter_name, description, outcome, room)
    VALUES ('delete', old.id, old.code, old.reporter_name, old.description, old.outcome, old.room);
END;
CREATE TRIGGER requests_search_update AFTER UPDATE ON requests
WHEN old.code IS NOT new.code OR old.reporter_name IS NOT new.reporter_name
  OR old.description IS NOT new.description OR old.outcome IS NOT new.outcome
  OR old.room IS NOT new.room
BEGIN
    INSERT INTO requests_search (requests_search, rowid, code, reporter_name, description, outcome, room)
    VALUES ('delete', old.id, old.code, old.reporter_name, old.description, old.outcome, old.room);
    INSERT INTO requests_search (rowid, code, reporter_name, description, outcome, room)
    VALUES (new.id, new.code, new.reporter_name, new.description, new.outcome, new.room);
END;
INSERT INTO requests_search (requests_search) VALUES ('rebuild');
