-- Ordering lanes for the outbox: effects that must arrive in order share a lane (a chat channel's posts, a
-- request's emails, a card's edits behind its post) and only the oldest undone row of a lane is claimed, so a
-- row waiting on a rate limit holds back its own lane and nothing else. Rows queued before this migration keep
-- their old behaviour: each is a lane of its own.
ALTER TABLE outbox ADD COLUMN lane TEXT;
UPDATE outbox SET lane = 'row:' || id WHERE lane IS NULL;
CREATE INDEX outbox_lane_pending ON outbox(lane, id) WHERE done_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_request_kind ON outbox(request_id, kind, id);

-- The sweeper's digest per chat channel: one message listing the channel's overdue and escalated requests,
-- posted once and edited in place on later sweeps.
CREATE TABLE chat_digests (
    channel_id  TEXT   PRIMARY KEY,
    message_id  TEXT   NOT NULL,
    updated_at  BIGINT NOT NULL
);
