-- Residents' photos: `image` names the format (jpeg, png, gif, webp) of an attachment stored with its metadata
-- removed, so it may be shown to staff and the public; NULL for every other attachment (named only). The index
-- finds a request's attachments without reading the table.
ALTER TABLE attachments ADD COLUMN image TEXT;
CREATE INDEX attachments_request ON attachments(request_id, id);

-- The photos posted with each work-order card (by the card's message), so that an edit of the card names the
-- others and keeps showing the one it shows.
CREATE TABLE work_order_photos (
    message_id     TEXT    NOT NULL,
    attachment_id  BIGINT NOT NULL REFERENCES attachments(id),
    PRIMARY KEY (message_id, attachment_id)
);
