-- +goose Up
-- Small batches as cheap as big ones (issue 17).
--
-- Every INSERT or COPY into fix runs the statement-level trigger fix_rollup_insert once, which
-- marks the rollup keys of the new fixes dirty. Through rollup_mark_hours it built a jsonb list of
-- (unit, device, hour) from the transition table and read it back with jsonb_to_recordset: on a
-- batch of 100 fixes of 50 devices that round trip through jsonb cost as much as the marking
-- itself (docs/BENCHMARKS.md, ingest). The insert trigger now marks straight from new_fix, with
-- the same keys, the same locking (ON CONFLICT DO UPDATE locks a key a catch-up holds, so no fix
-- is ever left unmarked) and the same sorted order; a unit whose time zone PostgreSQL does not
-- know still falls back to rollup_mark_hours, which marks the UTC days around each hour.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION fix_rollup_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rollup_dirty AS d (unit_id, device_id, day)
    SELECT DISTINCT h.unit_id, h.device_id, k.day
    FROM (SELECT DISTINCT unit_id, device_id, date_trunc('hour', ts, 'UTC') AS hour FROM new_fix) h
    JOIN unit u ON u.id = h.unit_id
    CROSS JOIN LATERAL (VALUES (rollup_day(h.hour - interval '5 minutes', u.timezone)),
                               (rollup_day(h.hour + interval '2 hours', u.timezone))) AS k(day)
    ORDER BY 1, 2, 3
    ON CONFLICT (unit_id, device_id, day) DO UPDATE SET last_marked_at = excluded.last_marked_at
        WHERE d.last_marked_at < excluded.last_marked_at - interval '10 seconds';
    RETURN NULL;
EXCEPTION WHEN invalid_parameter_value THEN
    PERFORM rollup_mark_hours((SELECT jsonb_agg(jsonb_build_object('unit_id', unit_id, 'device_id', device_id, 'hour', hour))
        FROM (SELECT unit_id, device_id, date_trunc('hour', ts, 'UTC') AS hour FROM new_fix GROUP BY 1, 2, 3) q));
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- Forward-only: migrations are never rolled back.
SELECT 1;
