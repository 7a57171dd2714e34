-- Periodic jobs that must run once per period across restarts and instances (e.g. the weekly scorecard).
CREATE TABLE scheduled_runs (
    name     TEXT   PRIMARY KEY,
    last_key TEXT   NOT NULL,
    at       BIGINT NOT NULL
);
