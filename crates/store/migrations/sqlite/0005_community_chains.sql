-- One ledger chain per community. Until now every event hung on one chain whose head,
-- `ledger_head`, every write locked. From here on each community has its own head and
-- its events carry the community and their place in its chain (`chain_seq`); `seq` stays
-- the global number that orders every event.
--
-- Nothing already written changes: the events so far keep their hashes and verify as the
-- legacy chain, whose head is frozen below. Every community's chain starts from that head:
-- its first event's prev_hash is the legacy head's hash (the anchor), so rewriting the
-- legacy chain breaks every community's chain too.
ALTER TABLE events ADD COLUMN community_id INTEGER REFERENCES places(id);
ALTER TABLE events ADD COLUMN chain_seq INTEGER;
CREATE UNIQUE INDEX events_chain ON events(community_id, chain_seq) WHERE chain_seq IS NOT NULL;

-- The head of each community's chain: the number of events in it, the global seq of the
-- last one (0 while empty) and its hash (the anchor while empty). A writer locks only its
-- community's row. Communities added later get theirs on their first event.
CREATE TABLE ledger_heads (
    community_id INTEGER PRIMARY KEY REFERENCES places(id),
    seq          INTEGER NOT NULL,
    event_seq    INTEGER NOT NULL,
    hash         TEXT    NOT NULL
);
INSERT INTO ledger_heads (community_id, seq, event_seq, hash)
SELECT p.id, 0, 0, h.hash FROM places p, ledger_head h WHERE p.kind = 'community' AND h.id = 1;

-- The legacy head is the anchor now: frozen.
CREATE TRIGGER ledger_head_frozen BEFORE UPDATE ON ledger_head
BEGIN SELECT RAISE(ABORT, 'the legacy ledger head is frozen: each community has its own chain'); END;
CREATE TRIGGER ledger_head_kept BEFORE DELETE ON ledger_head
BEGIN SELECT RAISE(ABORT, 'the legacy ledger head is frozen: each community has its own chain'); END;

-- Signed checkpoints (`bangbang ledger checkpoint`): the heads of every chain, their
-- Merkle root and the Ed25519 signature over them, as written to the statement file.
CREATE TABLE checkpoints (
    id          INTEGER PRIMARY KEY,
    taken_ms    INTEGER NOT NULL,
    merkle_root TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    statement   TEXT    NOT NULL
);
CREATE INDEX checkpoints_taken ON checkpoints(taken_ms);
