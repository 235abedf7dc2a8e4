-- +goose Up
-- Issue 15: the thresholds of the report's key-area and coverage lines are unit settings, like
-- the verdict's. key_area_nights_pct: a key area passes when it met its requirement on at least
-- this percent of the period's nights (100: every night). max_unpatrolled_pct: the coverage line
-- passes when at most this percent of the study cells were never patrolled at night (0: none).
-- The defaults are what the lines meant before.
ALTER TABLE unit_report_settings
    ADD COLUMN key_area_nights_pct integer NOT NULL DEFAULT 100 CHECK (key_area_nights_pct BETWEEN 1 AND 100),
    ADD COLUMN max_unpatrolled_pct integer NOT NULL DEFAULT 0 CHECK (max_unpatrolled_pct BETWEEN 0 AND 100);

-- +goose Down
ALTER TABLE unit_report_settings DROP COLUMN key_area_nights_pct, DROP COLUMN max_unpatrolled_pct;
