-- +goose Up
-- Officers' privacy (issue 8): a fix of a device outside every one of its assignments is off
-- duty. A unit chooses whether such fixes are stored at all (flagged off_duty, shown to admins
-- only, ignored by every analysis) and how long they are kept.

ALTER TABLE unit
    ADD COLUMN store_off_duty boolean NOT NULL DEFAULT false,
    ADD COLUMN off_duty_retention interval NOT NULL DEFAULT '7 days'
        CHECK (off_duty_retention >= interval '1 hour');

-- The assignment lookup of every ingest reads a device's assignments by time.
CREATE INDEX device_assignment_period_idx ON device_assignment (device_id, valid_from, valid_to);

-- +goose Down
-- Forward-only: migrations are never rolled back.
SELECT 1;
