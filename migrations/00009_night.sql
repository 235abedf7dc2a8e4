-- +goose Up
-- Tonight (issue 16): key-area deadlines, deadline alerts and the morning handover.

-- A key area's deadline is a local time of day inside the unit's night window by which the area
-- should have met its requirement; NULL takes the unit's night_deadline, and NULL there means no
-- deadline at all.
ALTER TABLE area ADD COLUMN deadline time;
ALTER TABLE unit ADD COLUMN night_deadline time;

-- night_alert is a deadline alert: raised once per area and night (the unique key is what keeps
-- a restarted or doubled scheduler from raising it twice), acknowledged at most once.
CREATE TABLE night_alert (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id              integer NOT NULL REFERENCES unit (id),
    area_id              bigint NOT NULL REFERENCES area (id) ON DELETE CASCADE,
    night                date NOT NULL,
    area_name            text NOT NULL,
    required             smallint NOT NULL,
    min_dwell_min        smallint NOT NULL,
    visits               smallint NOT NULL,
    deadline_at          timestamptz NOT NULL,
    raised_at            timestamptz NOT NULL,
    nearest              jsonb,               -- the nearest on-duty officer when raised, or NULL
    acknowledged_by      bigint,              -- app_user id, kept as a plain value
    acknowledged_by_name text,
    acknowledged_at      timestamptz,
    UNIQUE (area_id, night),
    CHECK ((acknowledged_at IS NULL) = (acknowledged_by_name IS NULL))
);
CREATE INDEX night_alert_unit_idx ON night_alert (unit_id, night);

-- night_handover is the morning handover of one unit and night, archived once (unique key) at
-- the end of the night: its content as JSON, exactly as generated.
CREATE TABLE night_handover (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id     integer NOT NULL REFERENCES unit (id),
    night       date NOT NULL,
    created_at  timestamptz NOT NULL,
    content     jsonb NOT NULL,
    UNIQUE (unit_id, night)
);

-- +goose Down
-- Forward-only: migrations are never rolled back.
SELECT 1;
