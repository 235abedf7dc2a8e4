-- +goose Up
-- The insert trigger's marking, cheaper per fix (issue 17): the UTC hour of each new fix is taken
-- with date_bin (arithmetic on the timestamp) instead of date_trunc(…, 'UTC'), which converts
-- every value through the time-zone machinery and cost about twice as much per row (1.44 s
-- against 0.68 s over a million timestamps here); the two agree on every timestamptz (checked
-- over a million random ones from 1900 to 2100). Keys, locking, order and the fallback for a
-- time zone PostgreSQL does not know are those of 00015.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION fix_rollup_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rollup_dirty AS d (unit_id, device_id, day)
    SELECT DISTINCT h.unit_id, h.device_id, k.day
    FROM (SELECT DISTINCT unit_id, device_id, date_bin('1 hour', ts, timestamptz '1970-01-01 00:00+00') AS hour FROM new_fix) h
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
