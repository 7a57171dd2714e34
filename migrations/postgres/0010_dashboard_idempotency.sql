-- The public dashboard and retried Open311 POSTs.
--
-- open311_idempotency: one row per (application, key) an Open311 POST was filed under, written in the same
--   transaction as the request it created, so that a retried POST answers with the same service_request_id
--   instead of filing twice. `idem_key` is `key:<Idempotency-Key header>` when the client sent one, else
--   `body:<SHA-256 of the form>` (an identical form from the same application within a short window).
--   `fingerprint` is the form's SHA-256: a key reused for a different form is refused. Rows are dropped once
--   `expires_at` has passed.
CREATE TABLE open311_idempotency (
    application  TEXT    NOT NULL,
    idem_key     TEXT    NOT NULL,
    fingerprint  TEXT    NOT NULL,
    request_id   BIGINT  REFERENCES requests(id),
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    PRIMARY KEY (application, idem_key)
);
CREATE INDEX open311_idempotency_expires ON open311_idempotency(expires_at);

-- The dashboard's list filtered by department reads newest first within one department.
CREATE INDEX requests_department_created ON requests(department, created_at);
