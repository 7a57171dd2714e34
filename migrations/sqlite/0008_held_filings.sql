-- A staff message in the intake channel from a member of several departments is held, filing nothing, until
-- they answer (in the thread opened on it) which department is asking; the answer files it and removes the row.
CREATE TABLE held_filings (
    message_id  TEXT    PRIMARY KEY,
    person      TEXT    NOT NULL,
    channel_id  TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);
