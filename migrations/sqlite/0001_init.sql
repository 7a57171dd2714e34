-- connect311 schema, SQLite dialect. Times are UTC epoch milliseconds (BIGINT) in both dialects so that one
-- store implementation serves both; payloads are JSON text.
CREATE TABLE requests (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    status             TEXT    NOT NULL,
    close_reason       TEXT,
    department         TEXT    NOT NULL,
    category           TEXT,
    language           TEXT    NOT NULL,
    priority           TEXT    NOT NULL,
    emergency          TEXT,
    location_text      TEXT,
    location_norm      TEXT,
    lat                REAL,
    lon                REAL,
    source             TEXT    NOT NULL,
    requester          TEXT    NOT NULL,
    requester_name     TEXT,
    subject            TEXT    NOT NULL,
    description        TEXT    NOT NULL,
    decision           TEXT    NOT NULL,
    linked_to          INTEGER REFERENCES requests(id),
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL,
    acknowledged_at    BIGINT,
    closed_at          BIGINT,
    response_due_at    BIGINT  NOT NULL,
    resolution_due_at  BIGINT  NOT NULL
);
CREATE INDEX requests_status ON requests(status, department);
CREATE INDEX requests_requester ON requests(requester);

CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id  INTEGER NOT NULL REFERENCES requests(id),
    kind        TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    at          BIGINT  NOT NULL,
    payload     TEXT    NOT NULL
);
CREATE INDEX events_request ON events(request_id, id);

CREATE TABLE inbound_messages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    source       TEXT    NOT NULL,
    external_id  TEXT    NOT NULL,
    request_id   INTEGER REFERENCES requests(id),
    sender       TEXT,
    subject      TEXT,
    disposition  TEXT    NOT NULL,
    reason       TEXT,
    received_at  BIGINT  NOT NULL,
    raw          BLOB    NOT NULL,
    UNIQUE (source, external_id)
);
CREATE INDEX inbound_sender ON inbound_messages(sender, received_at);

-- Every Message-ID we know belongs to a request: ours (acknowledgements...) and the resident's.
CREATE TABLE mail_threads (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id  TEXT    NOT NULL UNIQUE,
    request_id  INTEGER NOT NULL REFERENCES requests(id),
    direction   TEXT    NOT NULL
);
CREATE INDEX mail_threads_request ON mail_threads(request_id, id);

CREATE TABLE attachments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id    INTEGER NOT NULL REFERENCES requests(id),
    filename      TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    size          BIGINT  NOT NULL,
    data          BLOB    NOT NULL
);

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT    NOT NULL,
    request_id       INTEGER REFERENCES requests(id),
    recipient        TEXT,
    payload          TEXT    NOT NULL,
    created_at       BIGINT  NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT  NOT NULL,
    locked_until     BIGINT,
    last_error       TEXT,
    done_at          BIGINT,
    failed_at        BIGINT
);
CREATE INDEX outbox_due ON outbox(done_at, failed_at, next_attempt_at);
CREATE INDEX outbox_recipient ON outbox(recipient, created_at);

CREATE TABLE work_orders (
    request_id   INTEGER NOT NULL REFERENCES requests(id),
    channel_id   TEXT    NOT NULL,
    message_id   TEXT    NOT NULL,
    thread_id    TEXT,
    department   TEXT    NOT NULL,
    posted_at    BIGINT  NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (channel_id, message_id)
);
CREATE INDEX work_orders_request ON work_orders(request_id);
CREATE INDEX work_orders_thread ON work_orders(thread_id);
