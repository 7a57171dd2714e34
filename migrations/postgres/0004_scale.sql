-- Cost that does not grow with the backlog: facts kept by the store in the same transaction as every change,
-- and the indexes the per-message, per-sweep and read-side queries use.
--
-- place_key:      the canonical place key of location_norm (routing::duplicates::canonical_place), so duplicate
--                 search reads only same-category, same-place candidates. Computed in Rust: the store fills it
--                 for rows migrated without it when it opens the database.
-- reopened_count: how many `reopened` events the request has (reports).
-- next_sweep_at:  the earliest time the SLA sweeper may owe an active request something; NULL when closed.
--                 Any change sets it to the change's time (look again at the next sweep); the sweeper moves it
--                 to the next time the policy could act.
ALTER TABLE requests ADD COLUMN place_key TEXT;
ALTER TABLE requests ADD COLUMN reopened_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN next_sweep_at BIGINT;

UPDATE requests SET reopened_count =
    (SELECT COUNT(*) FROM events e WHERE e.request_id = requests.id AND e.kind = 'reopened');
-- Nothing is owed before the earlier due time, except the re-page of an unacknowledged emergency.
UPDATE requests SET next_sweep_at =
    CASE WHEN emergency IS NOT NULL THEN created_at ELSE LEAST(response_due_at, resolution_due_at) END
    WHERE status <> 'closed';

CREATE INDEX requests_duplicate_place ON requests(category, place_key, created_at) WHERE status <> 'closed';
CREATE INDEX requests_active_created ON requests(category, created_at) WHERE status <> 'closed';
CREATE INDEX requests_active_by_age ON requests(created_at, id) WHERE status <> 'closed';
CREATE INDEX requests_place_key_missing ON requests(id) WHERE place_key IS NULL AND location_norm IS NOT NULL;
CREATE INDEX requests_linked_to ON requests(linked_to) WHERE linked_to IS NOT NULL;
CREATE INDEX requests_created ON requests(created_at, id);
CREATE INDEX requests_closed_at ON requests(closed_at) WHERE status = 'closed';
CREATE INDEX requests_next_sweep ON requests(next_sweep_at, id) WHERE next_sweep_at IS NOT NULL;
CREATE INDEX requests_response_due ON requests(response_due_at) WHERE status <> 'closed' AND acknowledged_at IS NULL;
CREATE INDEX requests_resolution_due ON requests(resolution_due_at) WHERE status <> 'closed';
