-- The outbox worker claims batches of due lane heads and, when none is due, sleeps until the earliest one:
-- both read only the pending rows, in due order. Delivered rows are kept (they are the record), so this
-- partial index stays the size of the backlog while `outbox_due` grows with every row ever sent.
CREATE INDEX outbox_pending_due ON outbox(next_attempt_at, id) WHERE done_at IS NULL AND failed_at IS NULL;

-- Every transaction that queues outbox rows (or puts failed ones back) notifies `connect311_outbox`: the
-- notification is sent when, and only if, the transaction commits, and reaches the outbox worker of every
-- instance on this database (each LISTENs), whichever instance wrote the row. Notifications with the same
-- payload in one transaction are folded into one.
CREATE FUNCTION connect311_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('connect311_outbox', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER outbox_queued AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION connect311_outbox_notify();

CREATE TRIGGER outbox_requeued AFTER UPDATE OF failed_at ON outbox
    FOR EACH ROW WHEN (OLD.failed_at IS NOT NULL AND NEW.failed_at IS NULL)
    EXECUTE FUNCTION connect311_outbox_notify();
