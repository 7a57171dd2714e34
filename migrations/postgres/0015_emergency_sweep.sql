-- The sweeper reads the emergencies owed something first (a re-page must not wait behind a backlog of
-- ordinary work, say after an import or an outage): their own small index, in the sweep's order.
CREATE INDEX requests_emergency_sweep ON requests(next_sweep_at, id)
    WHERE next_sweep_at IS NOT NULL AND emergency IS NOT NULL;
