-- +goose Up
-- Coverage rollups (store/rollup.go). Raw fixes are cut into rollup keys, one per device and
-- "rollup day": the local day of the unit from 12:00 to 12:00 the next day, so a night patrol
-- (22:00-05:00) lies inside one key and is always recomputed as a whole. A key is cut further
-- into pieces at local midnight and at the unit's night start and end; every pass of a device
-- through an H3 cell is stored per piece in cell_pass. Any date period of any window (night,
-- day, all) is then a union of whole pieces, and geo.MergeCoverage joins the passes that
-- continue from one piece into the next.
--
-- New, changed or deleted fixes mark their keys in rollup_dirty through statement-level
-- triggers with transition tables on the partitioned parent fix (one INSERT ... SELECT per
-- statement, whatever the number of rows); (*Store).CatchUpRollups recomputes the marked keys
-- from the raw fixes. Fixes must be written through the parent table `fix`: a statement that
-- targets one partition directly fires no trigger of the parent.

-- cell_pass holds one pass of one device through one H3 cell inside one piece of a rollup key:
-- geo.CellVisit as geo.DeviceVisits computes it for the piece. The table has no foreign keys so
-- that deleting a device or unit never waits on it; a key whose fixes are gone is recomputed to
-- nothing.
CREATE TABLE cell_pass (
    unit_id      integer NOT NULL,
    device_id    integer NOT NULL,
    day          date NOT NULL,          -- the rollup key's day: [day 12:00, day+1 12:00) local
    piece_start  timestamptz NOT NULL,   -- the piece of the key the pass lies in
    piece_end    timestamptz NOT NULL,
    night        date,                   -- the night the piece belongs to; NULL in the day
    res          smallint NOT NULL,      -- the unit's H3 resolution when it was computed
    cell         bigint NOT NULL,        -- H3 cell index
    enter_at     timestamptz NOT NULL,   -- first instant in the cell during the pass
    leave_at     timestamptz NOT NULL,   -- last instant in the cell during the pass
    dwell_s      double precision NOT NULL CHECK (dwell_s >= 0)
);
-- Recomputing a key deletes its rows.
CREATE INDEX cell_pass_key_idx ON cell_pass (unit_id, device_id, day);
-- Queries select a unit's pieces of a period.
CREATE INDEX cell_pass_piece_idx ON cell_pass (unit_id, res, piece_start);

-- rollup_dirty is the queue of rollup keys whose fixes changed since they were computed.
-- first_marked_at is when the key was first marked since its last computation, last_marked_at
-- (to within rollup_mark_hours's ten seconds) when it was marked last; the background catch-up
-- lets a key settle (no new fixes for a while) or age before recomputing it, so a phone that
-- streams all night does not cause a recomputation of its night every few seconds.
CREATE TABLE rollup_dirty (
    unit_id         integer NOT NULL,
    device_id       integer NOT NULL,
    day             date NOT NULL,
    first_marked_at timestamptz NOT NULL DEFAULT now(),
    last_marked_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (unit_id, device_id, day)
);

-- rollup_day returns the rollup day that holds the instant ts in the time zone tz: the local
-- date of ts, or the date before it when ts is before local noon. store/rollup.go computes the
-- same in Go (rollupUnit.dayOf).
CREATE FUNCTION rollup_day(ts timestamptz, tz text) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT ((ts AT TIME ZONE tz) - interval '12 hours')::date $$;

-- rollup_mark_hours marks dirty every key that a fix in one of the given UTC hours can change.
-- A key of day D reads the fixes of [D 12:00 - 1 h, D+1 12:00 + 5 min): one hour before for the
-- jump judgements at its start (rollupLookback) and five minutes after for a segment that leaves
-- it (geo.MaxSegmentGap). A fix at ts therefore changes the keys of rollup_day(ts - 5 min) up to
-- rollup_day(ts + 1 h); for a whole hour h the keys of rollup_day(h - 5 min) and
-- rollup_day(h + 2 h), which is never more than two consecutive days. Marking a key once too
-- often costs one recomputation, never a wrong answer.
--
-- A mark is INSERT ... ON CONFLICT DO UPDATE, which locks the key's row even when its WHERE
-- leaves the row as it is: a writer that marks a key while a catch-up holds it waits for the
-- catch-up to commit (which deletes the row) and then inserts the mark again, so its fixes are
-- never lost. last_marked_at is only rewritten when it is ten seconds old, so a key marked by
-- every small batch of a streaming phone does not pile up dead row versions. Keys are locked in
-- sorted order so that concurrent writers cannot deadlock on the queue.
-- +goose StatementBegin
CREATE FUNCTION rollup_mark_hours(hours jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rollup_dirty AS d (unit_id, device_id, day)
    SELECT DISTINCT h.unit_id, h.device_id, k.day
    FROM jsonb_to_recordset(hours) AS h(unit_id integer, device_id integer, hour timestamptz)
    JOIN unit u ON u.id = h.unit_id
    CROSS JOIN LATERAL (VALUES (rollup_day(h.hour - interval '5 minutes', u.timezone)),
                               (rollup_day(h.hour + interval '2 hours', u.timezone))) AS k(day)
    ORDER BY 1, 2, 3
    ON CONFLICT (unit_id, device_id, day) DO UPDATE SET last_marked_at = excluded.last_marked_at
        WHERE d.last_marked_at < excluded.last_marked_at - interval '10 seconds';
EXCEPTION WHEN invalid_parameter_value THEN
    -- A unit whose time zone PostgreSQL does not know must not stop ingest: mark the UTC days
    -- around each hour instead (the catch-up reports the zone).
    INSERT INTO rollup_dirty AS d (unit_id, device_id, day)
    SELECT DISTINCT h.unit_id, h.device_id, k.day
    FROM jsonb_to_recordset(hours) AS h(unit_id integer, device_id integer, hour timestamptz)
    CROSS JOIN LATERAL (VALUES ((h.hour - interval '1 day')::date), (h.hour::date),
                               ((h.hour + interval '1 day')::date)) AS k(day)
    ORDER BY 1, 2, 3
    ON CONFLICT (unit_id, device_id, day) DO UPDATE SET last_marked_at = excluded.last_marked_at
        WHERE d.last_marked_at < excluded.last_marked_at - interval '10 seconds';
END;
$$;
-- +goose StatementEnd

-- The triggers reduce the statement's rows to (unit, device, UTC hour) first: a COPY of a
-- million fixes becomes a few hundred hours.
-- +goose StatementBegin
CREATE FUNCTION fix_rollup_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rollup_mark_hours((SELECT jsonb_agg(jsonb_build_object('unit_id', unit_id, 'device_id', device_id, 'hour', hour))
        FROM (SELECT unit_id, device_id, date_trunc('hour', ts, 'UTC') AS hour
              FROM new_fix GROUP BY 1, 2, 3) q));
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION fix_rollup_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rollup_mark_hours((SELECT jsonb_agg(jsonb_build_object('unit_id', unit_id, 'device_id', device_id, 'hour', hour))
        FROM (SELECT unit_id, device_id, date_trunc('hour', ts, 'UTC') AS hour
              FROM old_fix GROUP BY 1, 2, 3) q));
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION fix_rollup_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rollup_mark_hours((SELECT jsonb_agg(jsonb_build_object('unit_id', unit_id, 'device_id', device_id, 'hour', hour))
        FROM (SELECT unit_id, device_id, date_trunc('hour', ts, 'UTC') AS hour FROM old_fix
              UNION
              SELECT unit_id, device_id, date_trunc('hour', ts, 'UTC') FROM new_fix) q));
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- PostgreSQL allows one event per trigger with transition tables, hence three triggers.
CREATE TRIGGER fix_rollup_insert AFTER INSERT ON fix
    REFERENCING NEW TABLE AS new_fix FOR EACH STATEMENT EXECUTE FUNCTION fix_rollup_inserted();
CREATE TRIGGER fix_rollup_delete AFTER DELETE ON fix
    REFERENCING OLD TABLE AS old_fix FOR EACH STATEMENT EXECUTE FUNCTION fix_rollup_deleted();
CREATE TRIGGER fix_rollup_update AFTER UPDATE ON fix
    REFERENCING OLD TABLE AS old_fix NEW TABLE AS new_fix FOR EACH STATEMENT EXECUTE FUNCTION fix_rollup_updated();

-- A unit's time zone, night window and resolution shape every one of its keys: when one of them
-- changes, the unit's rollups are dropped and all its keys marked.
-- +goose StatementBegin
CREATE FUNCTION unit_rollup_reset() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM cell_pass WHERE unit_id = NEW.id;
    PERFORM rollup_mark_hours((SELECT jsonb_agg(jsonb_build_object('unit_id', unit_id, 'device_id', device_id, 'hour', hour))
        FROM (SELECT unit_id, device_id, date_trunc('hour', ts, 'UTC') AS hour
              FROM fix WHERE unit_id = NEW.id GROUP BY 1, 2, 3) q));
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER unit_rollup_reset AFTER UPDATE OF timezone, night_start, night_end, h3_res ON unit
    FOR EACH ROW
    WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone OR OLD.night_start IS DISTINCT FROM NEW.night_start
          OR OLD.night_end IS DISTINCT FROM NEW.night_end OR OLD.h3_res IS DISTINCT FROM NEW.h3_res)
    EXECUTE FUNCTION unit_rollup_reset();

-- +goose Down
-- Forward-only: migrations are never rolled back.
SELECT 1;
