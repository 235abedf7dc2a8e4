-- +goose Up
-- New fixes mark their rollup keys through a log instead of the queue itself (issue 17: small
-- batches as cheap as big ones).
--
-- Until now the insert trigger upserted one rollup_dirty row per device and rollup day of every
-- statement: it joined unit, computed the days in the unit's time zone, and took a row lock per
-- key (ON CONFLICT DO UPDATE locks, and writes WAL for the lock, even when its WHERE leaves the
-- row alone), all inside an EXCEPTION block, which is a subtransaction. For a 100-fix batch of 50
-- devices that was about a third of the COPY's execution time, paid by every batch, however
-- small. Now the trigger appends one row per unit and UTC hour of the statement's fixes, with
-- the devices that sent them, to rollup_mark: no lock, no index, no time zone, no
-- subtransaction. rollup_fold, which every catch-up runs first (store/rollup.go), turns the
-- committed log rows into rollup_dirty keys with the upsert the trigger used to do, so the
-- queue, its keys and its settle times stay what they were.
--
-- Why nothing is lost. A log row commits with the fixes that wrote it, and rollup_fold deletes
-- only rows its snapshot sees, so every fix of a folded row is visible to the catch-up's later
-- statements; a row of a writer still in progress stays for the next fold. The fold's upsert
-- takes the key's row lock as the trigger did: on a key a catch-up holds it waits for that
-- catch-up to commit (which deletes the key) and then inserts it again. Folds run one at a time
-- (a transaction advisory lock), and take their keys in sorted order, as the claims do.

-- rollup_mark is the insert trigger's log: the units, UTC hours and devices of new fixes, not
-- yet folded into rollup_dirty. marked_at is the writer's transaction time, which becomes the
-- key's first_marked_at / last_marked_at.
CREATE TABLE rollup_mark (
    unit_id   integer NOT NULL,
    hour      timestamptz NOT NULL,
    devices   integer[] NOT NULL,
    marked_at timestamptz NOT NULL DEFAULT now()
);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION fix_rollup_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rollup_mark (unit_id, hour, devices)
    SELECT unit_id, date_bin('1 hour', ts, timestamptz '1970-01-01 00:00+00'), array_agg(DISTINCT device_id)
    FROM new_fix
    GROUP BY 1, 2;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- time_zone_known reports whether PostgreSQL knows the time zone tz.
-- +goose StatementBegin
CREATE FUNCTION time_zone_known(tz text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM now() AT TIME ZONE tz;
    RETURN true;
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN false;
END;
$$;
-- +goose StatementEnd

-- rollup_fold moves the committed rows of rollup_mark into rollup_dirty and returns how many
-- keys it marked. An hour h marks the keys of rollup_day(h - 5 min) and rollup_day(h + 2 h), as
-- rollup_mark_hours does (00003); for a unit whose time zone PostgreSQL does not know, the UTC
-- days around the hour, so that its keys stay marked until the zone is mended (the catch-up
-- reports it). Marks of a unit that no longer exists are dropped.
-- +goose StatementBegin
CREATE FUNCTION rollup_fold() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    keys integer;
BEGIN
    -- One fold at a time: the key 'rollup_fold' as a number, fixed here.
    PERFORM pg_advisory_xact_lock(7340958218765120017);
    WITH m AS (
        DELETE FROM rollup_mark RETURNING unit_id, hour, devices, marked_at
    ), z AS (
        SELECT u.id, u.timezone, time_zone_known(u.timezone) AS known
        FROM unit u WHERE u.id IN (SELECT DISTINCT unit_id FROM m)
    ), h AS (
        SELECT m.unit_id, d.device_id, m.hour, min(m.marked_at) AS first_at, max(m.marked_at) AS last_at
        FROM m CROSS JOIN LATERAL unnest(m.devices) AS d(device_id)
        GROUP BY 1, 2, 3
    )
    INSERT INTO rollup_dirty AS d (unit_id, device_id, day, first_marked_at, last_marked_at)
    SELECT h.unit_id, h.device_id, k.day, min(h.first_at), max(h.last_at)
    FROM h
    JOIN z ON z.id = h.unit_id
    CROSS JOIN LATERAL (VALUES
        (CASE WHEN z.known THEN rollup_day(h.hour - interval '5 minutes', z.timezone)
              ELSE (h.hour AT TIME ZONE 'UTC')::date - 1 END),
        (CASE WHEN z.known THEN rollup_day(h.hour + interval '2 hours', z.timezone)
              ELSE (h.hour AT TIME ZONE 'UTC')::date END),
        (CASE WHEN z.known THEN NULL
              ELSE (h.hour AT TIME ZONE 'UTC')::date + 1 END)) AS k(day)
    WHERE k.day IS NOT NULL
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (unit_id, device_id, day) DO UPDATE SET last_marked_at = excluded.last_marked_at
        WHERE d.last_marked_at < excluded.last_marked_at;
    GET DIAGNOSTICS keys = ROW_COUNT;
    RETURN keys;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- Forward-only: migrations are never rolled back.
SELECT 1;
