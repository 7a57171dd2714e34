-- Duplicate search with a bounding box: the box arm reads one range of open requests of the category by
-- latitude (longitude and creation time checked in the index), as the place-key arm reads
-- `requests_duplicate_place`. Requests without a point are never in a box and stay out of the index.
CREATE INDEX requests_duplicate_box ON requests(category, lat, lon, created_at)
    WHERE status <> 'closed' AND lat IS NOT NULL;
