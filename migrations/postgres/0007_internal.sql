-- Internal work orders between departments: which department (and which person) asked for a request, and where
-- that person hears back. A request with a row here is internal; one without is a resident's.
CREATE TABLE internal_origins (
    request_id     BIGINT  PRIMARY KEY REFERENCES requests(id),
    department     TEXT    NOT NULL,
    person         TEXT    NOT NULL,
    person_name    TEXT,
    -- The chat channel or thread the person filed from (notices go there), and/or an email address.
    notify_chat    TEXT,
    notify_email   TEXT
);
CREATE INDEX internal_origins_department ON internal_origins(department);
CREATE INDEX internal_origins_person ON internal_origins(person);
CREATE INDEX internal_origins_notify_chat ON internal_origins(notify_chat);
