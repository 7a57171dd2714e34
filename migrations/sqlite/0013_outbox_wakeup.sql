-- The outbox worker claims batches of due lane heads and, when none is due, sleeps until the earliest one:
-- both read only the pending rows, in due order. Delivered rows are kept (they are the record), so this
-- partial index stays the size of the backlog while `outbox_due` grows with every row ever sent.
-- (SQLite is one process: its worker is woken in-process after each commit that queued rows.)
CREATE INDEX outbox_pending_due ON outbox(next_attempt_at, id) WHERE done_at IS NULL AND failed_at IS NULL;
