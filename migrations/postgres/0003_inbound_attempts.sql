-- Processing attempts per inbound message, keyed by the SHA-256 of its raw bytes and counted durably *before*
-- the message is processed: a message that fails, times out or kills the process (abort, out of memory) again
-- and again is quarantined after a few attempts instead of being taken first at every start. A row is removed
-- once its message is handled.
CREATE TABLE inbound_attempts (
    raw_sha256 TEXT   PRIMARY KEY,
    attempts   BIGINT NOT NULL,
    last_error TEXT,
    first_at   BIGINT NOT NULL,
    last_at    BIGINT NOT NULL
);
