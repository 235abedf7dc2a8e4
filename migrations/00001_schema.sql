-- +goose Up
-- The first schema of patrolmap: units, people, devices, fixes, incidents, areas, roads,
-- routes and the audit and rejection logs. Every large table carries unit_id so it can be
-- distributed by unit later.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE unit (
    id           integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code         text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    name         text NOT NULL,
    timezone     text NOT NULL DEFAULT 'Asia/Ho_Chi_Minh',
    boundary     geometry(MultiPolygon, 4326),
    night_start  time NOT NULL DEFAULT '22:00',
    night_end    time NOT NULL DEFAULT '05:00',
    h3_res       smallint NOT NULL DEFAULT 10 CHECK (h3_res BETWEEN 8 AND 11),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE app_user (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9._@-]{1,64}$'),
    full_name     text NOT NULL DEFAULT '',
    role          text NOT NULL CHECK (role IN ('admin', 'analyst', 'officer')),
    unit_id       integer REFERENCES unit (id),  -- NULL: all units
    password_hash text NOT NULL,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_token (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    label       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    last_used   timestamptz,
    revoked_at  timestamptz
);

CREATE TABLE session (
    id_hash     bytea PRIMARY KEY CHECK (length(id_hash) = 32),
    user_id     bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    csrf_token  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    addr        text NOT NULL DEFAULT ''
);
CREATE INDEX session_user_idx ON session (user_id);

CREATE TABLE device (
    id           integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id      integer NOT NULL REFERENCES unit (id),
    ident        text NOT NULL UNIQUE CHECK (length(ident) BETWEEN 1 AND 128),
    name         text NOT NULL DEFAULT '',
    secret_hash  bytea NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX device_unit_idx ON device (unit_id);

-- device_assignment says which officer carries a device for a period (duty).
CREATE TABLE device_assignment (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id   integer NOT NULL REFERENCES device (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    valid_from  timestamptz NOT NULL DEFAULT '-infinity',
    valid_to    timestamptz NOT NULL DEFAULT 'infinity',
    CHECK (valid_from < valid_to)
);
CREATE INDEX device_assignment_device_idx ON device_assignment (device_id);
CREATE INDEX device_assignment_user_idx ON device_assignment (user_id);

-- fix is one GPS position of a device, partitioned by month on ts.
CREATE TABLE fix (
    unit_id      integer NOT NULL,
    device_id    integer NOT NULL,
    ts           timestamptz NOT NULL,
    geom         geometry(Point, 4326) NOT NULL,
    accuracy     real,
    speed        real,
    heading      real,
    altitude     real,
    battery      real,
    source       text NOT NULL DEFAULT 'api',
    flags        smallint NOT NULL DEFAULT 0,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX fix_geom_idx ON fix USING gist (geom);
CREATE INDEX fix_ts_brin ON fix USING brin (ts);
CREATE INDEX fix_unit_ts_idx ON fix (unit_id, ts);

-- ensure_fix_partition creates the monthly partition of fix holding ts, when missing.
-- +goose StatementBegin
CREATE FUNCTION ensure_fix_partition(at timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    lo   timestamptz := date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    hi   timestamptz := lo + interval '1 month';
    name text := 'fix_' || to_char(lo AT TIME ZONE 'UTC', 'YYYY_MM');
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(name));
    IF to_regclass(name) IS NULL THEN
        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF fix FOR VALUES FROM (%L) TO (%L)',
                       name, lo, hi);
    END IF;
    RETURN name;
END;
$$;
-- +goose StatementEnd

CREATE TABLE fix_rejection (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at  timestamptz NOT NULL DEFAULT now(),
    unit_id      integer,
    device_ident text NOT NULL DEFAULT '',
    source       text NOT NULL DEFAULT '',
    reason       text NOT NULL,
    raw          text NOT NULL DEFAULT '',
    addr         text NOT NULL DEFAULT ''
);
CREATE INDEX fix_rejection_received_idx ON fix_rejection (received_at);

CREATE TABLE incident (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id      integer NOT NULL REFERENCES unit (id),
    external_id  text,
    ts           timestamptz NOT NULL,
    geom         geometry(Point, 4326) NOT NULL,
    category     text NOT NULL CHECK (category IN ('theft', 'robbery', 'drugs', 'gambling', 'disorder',
                                                    'traffic_accident', 'fire', 'fraud', 'other')),
    severity     smallint NOT NULL DEFAULT 3 CHECK (severity BETWEEN 1 AND 5),
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'void')),
    description  text NOT NULL DEFAULT '',
    source       text NOT NULL DEFAULT 'api',
    created_by   bigint REFERENCES app_user (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (unit_id, external_id)
);
CREATE INDEX incident_unit_ts_idx ON incident (unit_id, ts);
CREATE INDEX incident_geom_idx ON incident USING gist (geom);

CREATE TABLE area (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id                integer NOT NULL REFERENCES unit (id),
    kind                   text NOT NULL CHECK (kind IN ('key_area', 'key_road', 'residential_group', 'other')),
    name                   text NOT NULL,
    geom                   geometry(Geometry, 4326) NOT NULL,
    buffer_m               real NOT NULL DEFAULT 25 CHECK (buffer_m >= 0 AND buffer_m <= 1000),
    required_night_visits  smallint NOT NULL DEFAULT 1 CHECK (required_night_visits BETWEEN 0 AND 48),
    min_dwell_min          smallint NOT NULL DEFAULT 0 CHECK (min_dwell_min BETWEEN 0 AND 600),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX area_unit_idx ON area (unit_id);
CREATE INDEX area_geom_idx ON area USING gist (geom);

CREATE TABLE road (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id  integer NOT NULL REFERENCES unit (id),
    name     text NOT NULL DEFAULT '',
    geom     geometry(LineString, 4326) NOT NULL
);
CREATE INDEX road_unit_idx ON road (unit_id);
CREATE INDEX road_geom_idx ON road USING gist (geom);

CREATE TABLE route (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id     integer NOT NULL REFERENCES unit (id),
    night       date,
    name        text NOT NULL DEFAULT '',
    kind        text NOT NULL DEFAULT 'planned' CHECK (kind IN ('planned', 'suggested')),
    geom        geometry(Geometry, 4326) NOT NULL,
    created_by  bigint REFERENCES app_user (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX route_unit_idx ON route (unit_id, night);

-- demo_seed remembers which seed and day the demo unit was generated for, so a second
-- `patrolmap seed-demo` on the same day is a no-op.
CREATE TABLE demo_seed (
    unit_code  text PRIMARY KEY,
    seed       bigint NOT NULL,
    day        date NOT NULL,
    loaded_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    user_id  bigint REFERENCES app_user (id) ON DELETE SET NULL,
    username text NOT NULL DEFAULT '',
    unit_id  integer,
    action   text NOT NULL,
    target   text NOT NULL DEFAULT '',
    detail   jsonb NOT NULL DEFAULT '{}',
    addr     text NOT NULL DEFAULT ''
);
CREATE INDEX audit_at_idx ON audit (at);

-- +goose Down
-- Forward-only: migrations are never rolled back.
SELECT 1;
