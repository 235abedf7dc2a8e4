-- +goose Up
-- Route planning and the proof report (store/routing.go, store/routes.go, store/report.go).
--
-- The road network: `road` holds the unit's roads as drawn or imported. Routing needs a graph,
-- so road_node and road_edge hold the roads cut into short pieces (at most 25 m, so that a
-- target is never far from a node) with a node at every piece end; ends closer than 1e-7
-- degrees (about 1 cm) are one node. The graph is derived data: (*Store).RebuildRoadNetwork
-- recomputes it from `road`, and the planner rebuilds it lazily when road_network says the
-- roads changed since the last build. pgRouting (optional, created at run time when the server
-- has it) routes over road_edge; the schema itself needs only PostGIS.

-- road_network keeps, per unit, a counter that every change of its roads bumps (trigger below)
-- and the counter value the graph was last built from.
CREATE TABLE road_network (
    unit_id        integer PRIMARY KEY,
    roads_version  bigint NOT NULL DEFAULT 0,
    built_version  bigint,              -- NULL: never built
    built_at       timestamptz,
    nodes          integer NOT NULL DEFAULT 0,
    edges          integer NOT NULL DEFAULT 0
);

CREATE TABLE road_node (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id  integer NOT NULL,
    geom     geometry(Point, 4326) NOT NULL
);
CREATE INDEX road_node_unit_idx ON road_node (unit_id);
CREATE INDEX road_node_geom_idx ON road_node USING gist (geom);

-- road_edge has the columns pgRouting's edge queries expect (id, source, target, cost,
-- reverse_cost); cost is the length in metres, the same both ways.
CREATE TABLE road_edge (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id       integer NOT NULL,
    road_id       bigint NOT NULL,
    source        bigint NOT NULL,
    target        bigint NOT NULL,
    cost          double precision NOT NULL,
    reverse_cost  double precision NOT NULL,
    geom          geometry(LineString, 4326) NOT NULL
);
CREATE INDEX road_edge_unit_idx ON road_edge (unit_id);

-- road_changed bumps the unit's roads_version on every change of its roads. The tables above
-- carry no foreign keys, so deleting roads (or a demo reload) never waits on them.
-- +goose StatementBegin
CREATE FUNCTION road_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO road_network AS n (unit_id, roads_version) VALUES (OLD.unit_id, 1)
        ON CONFLICT (unit_id) DO UPDATE SET roads_version = n.roads_version + 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO road_network AS n (unit_id, roads_version) VALUES (NEW.unit_id, 1)
        ON CONFLICT (unit_id) DO UPDATE SET roads_version = n.roads_version + 1;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER road_changed AFTER INSERT OR UPDATE OR DELETE ON road
    FOR EACH ROW EXECUTE FUNCTION road_changed();

-- Units whose roads were loaded before this migration start out stale.
INSERT INTO road_network (unit_id, roads_version)
SELECT unit_id, count(*) FROM road GROUP BY unit_id;

-- Routes: a suggested route keeps its stops and plan parameters; length_m is computed by PostGIS
-- when the route is stored.
ALTER TABLE route
    ADD COLUMN length_m    double precision NOT NULL DEFAULT 0,
    ADD COLUMN properties  jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN created_by_name text NOT NULL DEFAULT '';

-- report_snapshot is the archive of proof reports: the HTML exactly as it was sent, its SHA-256
-- (checked by the database itself), and the data cut-off time. Rows are immutable: a trigger
-- refuses UPDATE, DELETE and TRUNCATE, and nothing references app_user, so no cascade can ever
-- touch a row.
CREATE TABLE report_snapshot (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id          integer NOT NULL REFERENCES unit (id),
    period_from      timestamptz NOT NULL,
    period_to        timestamptz NOT NULL,
    from_text        text NOT NULL,          -- the from and to as asked (dates or instants)
    to_text          text NOT NULL,
    lang             text NOT NULL CHECK (lang IN ('vi', 'en')),
    verdict          text NOT NULL CHECK (verdict IN ('pass', 'fail')),
    cutoff           timestamptz NOT NULL,   -- data received up to this instant
    html             bytea NOT NULL,
    sha256           bytea NOT NULL CHECK (length(sha256) = 32),
    created_by       bigint,                 -- app_user id, kept as a plain value
    created_by_name  text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (sha256 = sha256(html)),
    CHECK (period_from < period_to)
);
CREATE INDEX report_snapshot_unit_idx ON report_snapshot (unit_id, created_at);

-- +goose StatementBegin
CREATE FUNCTION report_snapshot_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'report snapshots are immutable: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER report_snapshot_no_update BEFORE UPDATE OR DELETE ON report_snapshot
    FOR EACH ROW EXECUTE FUNCTION report_snapshot_immutable();
CREATE TRIGGER report_snapshot_no_truncate BEFORE TRUNCATE ON report_snapshot
    FOR EACH STATEMENT EXECUTE FUNCTION report_snapshot_immutable();

-- +goose Down
-- Forward-only: migrations are never rolled back.
SELECT 1;
