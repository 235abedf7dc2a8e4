-- +goose Up
-- Issue 15: the report a commander signs.
--
-- 1. A new incident category, prostitution (mại dâm), judged with gambling as a social evil.
ALTER TABLE incident DROP CONSTRAINT incident_category_check;
ALTER TABLE incident ADD CONSTRAINT incident_category_check CHECK (category IN ('theft', 'robbery', 'drugs',
    'gambling', 'prostitution', 'disorder', 'traffic_accident', 'fire', 'fraud', 'other'));

-- 2. A unit's report settings: the verdict's thresholds and the official form's header, place,
-- signatures and recipients. A unit without a row uses the defaults below (app/reporting).
CREATE TABLE unit_report_settings (
    unit_id           integer PRIMARY KEY REFERENCES unit (id) ON DELETE CASCADE,
    min_incidents     integer NOT NULL DEFAULT 5  CHECK (min_incidents BETWEEN 1 AND 1000),
    min_weeks         integer NOT NULL DEFAULT 3  CHECK (min_weeks BETWEEN 1 AND 53),
    gi_min_incidents  integer NOT NULL DEFAULT 30 CHECK (gi_min_incidents BETWEEN 2 AND 100000),
    parent_agency     text NOT NULL DEFAULT '',   -- e.g. CÔNG AN TP. SÔNG CÔNG
    agency            text NOT NULL DEFAULT '',   -- e.g. CÔNG AN PHƯỜNG BÁCH QUANG; the unit's name when empty
    number_suffix     text NOT NULL DEFAULT '',   -- Số: N/BC-<suffix>
    place             text NOT NULL DEFAULT '',   -- the place of "PLACE, ngày … tháng … năm …"
    chief_title       text NOT NULL DEFAULT '',   -- TRƯỞNG CÔNG AN PHƯỜNG when empty
    chief_name        text NOT NULL DEFAULT '',
    preparer_name     text NOT NULL DEFAULT '',
    recipients        text[] NOT NULL DEFAULT '{}',
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- 3. The archive: a report's number per unit per year, its canonical JSON content, and the
-- SHA-256 of that content (the page cannot carry the hash of itself, so the hash covers the
-- content and the page prints it). Rows archived before this migration keep their HTML hash.
ALTER TABLE report_snapshot DROP CONSTRAINT report_snapshot_verdict_check;
ALTER TABLE report_snapshot ADD CONSTRAINT report_snapshot_verdict_check CHECK (verdict IN ('pass', 'fail', 'insufficient'));
ALTER TABLE report_snapshot DROP CONSTRAINT report_snapshot_check;
ALTER TABLE report_snapshot
    ADD COLUMN year     integer,
    ADD COLUMN number   integer,
    ADD COLUMN number_text text,                -- "3/BC-DEMO", as printed
    ADD COLUMN content  bytea,
    ADD CONSTRAINT report_snapshot_hash_check CHECK (
        CASE WHEN content IS NULL THEN sha256 = sha256(html) ELSE sha256 = sha256(content) END),
    ADD CONSTRAINT report_snapshot_number_check CHECK ((year IS NULL) = (number IS NULL) AND (content IS NULL) = (number IS NULL)
        AND (number_text IS NULL) = (number IS NULL));
CREATE UNIQUE INDEX report_snapshot_number_idx ON report_snapshot (unit_id, year, number);
CREATE UNIQUE INDEX report_snapshot_sha256_idx ON report_snapshot (sha256) WHERE content IS NOT NULL;

-- +goose Down
-- Forward-only: migrations are never rolled back.
SELECT 1;
