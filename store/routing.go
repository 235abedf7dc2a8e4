package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// The road network and routing over it.
//
// The `road` table holds a unit's roads as lines. RebuildRoadNetwork turns them into a graph in
// road_node and road_edge: every road is cut into pieces of at most RoadPieceM metres
// (ST_Segmentize on the geography, then ST_DumpSegments) and every piece becomes an edge between
// the nodes at its ends; ends within 1e-7 degrees (about 1 cm) of each other are one node, so
// roads join where they share a vertex, as OpenStreetMap ways do at junctions. Roads that merely
// cross (a bridge) are not joined. Short pieces keep every target close to a node.
//
// The graph is rebuilt lazily: a trigger on `road` bumps road_network.roads_version on every
// change, and RoadNetwork rebuilds when the version differs from the one the graph was built
// from. An importer may call RebuildRoadNetwork right after loading roads to pay the cost then.
//
// Routing uses pgRouting (pgr_dijkstraCostMatrix, pgr_dijkstra) when the extension is installed
// or can be created; `patrolmap migrate` needs only PostGIS, so the extension is created here, at
// run time, when the server offers it and the role may create it. Without it the planner falls
// back to straight legs and says so.

// RoadPieceM is the longest road piece, in metres, of the routing graph.
const RoadPieceM = 25

// nodeGrid is the grid, in degrees, that road piece ends are snapped to before they are joined.
const nodeGrid = 1e-7

// routingWarned is when RoutingAvailable last logged that it may not create pgRouting (Unix s).
var routingWarned atomic.Int64

// RoutingAvailable reports whether pgRouting is installed in the database, creating the
// extension first when the server has it and it is missing. A role that may not create it
// answers false, not an error.
func (s *Store) RoutingAvailable(ctx context.Context) (bool, error) {
	var installed, available bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pgrouting'),
		EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pgrouting')`).Scan(&installed, &available)
	if err != nil {
		return false, classify(fmt.Errorf("check for pgRouting: %w", err))
	}
	if installed || !available {
		return installed, nil
	}
	if _, err := s.pool.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pgrouting`); err != nil {
		if errors.Is(classify(err), patrol.ErrUnavailable) {
			return false, classify(fmt.Errorf("create pgRouting: %w", err))
		}
		// Two requests creating it at once collide; the other one may have succeeded.
		if err2 := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pgrouting')`).Scan(&installed); err2 != nil {
			return false, classify(fmt.Errorf("check for pgRouting: %w", err2))
		}
		if !installed {
			// Said once an hour, not on every plan.
			if now := time.Now().Unix(); now-routingWarned.Load() >= 3600 {
				routingWarned.Store(now)
				slog.Warn("pgRouting is available but cannot be created; planned routes use straight legs (run CREATE EXTENSION pgrouting as a superuser)", "err", err)
			}
		}
		return installed, nil
	}
	return true, nil
}

// RoadNetwork returns the routable graph of a unit's roads, rebuilding it first when the roads
// changed since it was built (or it never was).
func (s *Store) RoadNetwork(ctx context.Context, unitID int) (patrol.RoadNetwork, error) {
	var n patrol.RoadNetwork
	var roadsVersion int64
	var builtVersion *int64
	var builtAt *time.Time
	err := s.pool.QueryRow(ctx, `SELECT coalesce(n.roads_version, 0), n.built_version, n.built_at, coalesce(n.nodes, 0), coalesce(n.edges, 0),
			(SELECT count(*) FROM road WHERE unit_id = $1)
		FROM (SELECT 1) one LEFT JOIN road_network n ON n.unit_id = $1`, unitID).
		Scan(&roadsVersion, &builtVersion, &builtAt, &n.Nodes, &n.Edges, &n.Roads)
	if err != nil {
		return n, classify(fmt.Errorf("road network of unit %d: %w", unitID, err))
	}
	stale := builtVersion == nil || *builtVersion != roadsVersion
	if stale && (n.Roads > 0 || n.Edges > 0) {
		if n, err = s.rebuildRoadNetwork(ctx, unitID, false); err != nil {
			return n, err
		}
		n.Rebuilt = true
	} else if builtAt != nil {
		n.BuiltAt = *builtAt
	}
	if n.Edges > 0 {
		if n.Routing, err = s.RoutingAvailable(ctx); err != nil {
			return n, err
		}
	}
	return n, nil
}

// RebuildRoadNetwork recomputes the routing graph of a unit from its roads, whether or not they
// changed. Importers call it after loading roads; the planner calls RoadNetwork, which rebuilds
// only when needed.
func (s *Store) RebuildRoadNetwork(ctx context.Context, unitID int) error {
	_, err := s.rebuildRoadNetwork(ctx, unitID, true)
	return err
}

func (s *Store) rebuildRoadNetwork(ctx context.Context, unitID int, force bool) (patrol.RoadNetwork, error) {
	var n patrol.RoadNetwork
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return n, classify(fmt.Errorf("rebuild road network of unit %d: %w", unitID, err))
	}
	defer tx.Rollback(ctx)
	wrap := func(what string, err error) error {
		return classify(fmt.Errorf("rebuild road network of unit %d: %s: %w", unitID, what, err))
	}
	if _, err := tx.Exec(ctx, `INSERT INTO road_network (unit_id) VALUES ($1) ON CONFLICT (unit_id) DO NOTHING`, unitID); err != nil {
		return n, wrap("state", err)
	}
	// The row lock serialises rebuilds of one unit; a second caller finds the work done.
	var roadsVersion int64
	var builtVersion *int64
	if err := tx.QueryRow(ctx, `SELECT roads_version, built_version FROM road_network WHERE unit_id = $1 FOR UPDATE`, unitID).
		Scan(&roadsVersion, &builtVersion); err != nil {
		return n, wrap("state", err)
	}
	if !force && builtVersion != nil && *builtVersion == roadsVersion {
		var at time.Time
		err := tx.QueryRow(ctx, `SELECT n.nodes, n.edges, n.built_at, (SELECT count(*) FROM road WHERE unit_id = $1)
			FROM road_network n WHERE n.unit_id = $1`, unitID).Scan(&n.Nodes, &n.Edges, &at, &n.Roads)
		n.BuiltAt = at
		return n, wrap("state", err)
	}
	grid, piece := nodeGrid, float64(RoadPieceM)
	steps := []struct {
		what string
		sql  string
		args []any
	}{
		{"clear", `DELETE FROM road_edge WHERE unit_id = $1`, []any{unitID}},
		{"clear", `DELETE FROM road_node WHERE unit_id = $1`, []any{unitID}},
		{"cut roads", `CREATE TEMP TABLE road_piece ON COMMIT DROP AS
			SELECT r.id AS road_id,
			       round(ST_X(ST_StartPoint(d.geom)) / $2::float8)::bigint AS ax, round(ST_Y(ST_StartPoint(d.geom)) / $2::float8)::bigint AS ay,
			       round(ST_X(ST_EndPoint(d.geom)) / $2::float8)::bigint AS bx, round(ST_Y(ST_EndPoint(d.geom)) / $2::float8)::bigint AS by
			FROM road r
			CROSS JOIN LATERAL ST_DumpSegments(ST_Segmentize(r.geom::geography, $3::float8)::geometry) d
			WHERE r.unit_id = $1`, []any{unitID, grid, piece}},
		{"nodes", `CREATE TEMP TABLE road_piece_node ON COMMIT DROP AS
			WITH ends AS (SELECT ax AS x, ay AS y FROM road_piece UNION SELECT bx, by FROM road_piece),
			ins AS (
				INSERT INTO road_node (unit_id, geom)
				SELECT $1, ST_SetSRID(ST_MakePoint(x * $2::float8, y * $2::float8), 4326) FROM ends ORDER BY x, y
				RETURNING id, geom)
			SELECT id, round(ST_X(geom) / $2::float8)::bigint AS x, round(ST_Y(geom) / $2::float8)::bigint AS y, geom FROM ins`, []any{unitID, grid}},
		{"edges", `INSERT INTO road_edge (unit_id, road_id, source, target, cost, reverse_cost, geom)
			SELECT $1, p.road_id, a.id, b.id, ST_Length(e.geom::geography), ST_Length(e.geom::geography), e.geom
			FROM road_piece p
			JOIN road_piece_node a ON a.x = p.ax AND a.y = p.ay
			JOIN road_piece_node b ON b.x = p.bx AND b.y = p.by
			CROSS JOIN LATERAL (SELECT ST_MakeLine(a.geom, b.geom) AS geom) e
			WHERE a.id <> b.id
			ORDER BY p.road_id, a.id`, []any{unitID}},
	}
	for _, st := range steps {
		if _, err := tx.Exec(ctx, st.sql, st.args...); err != nil {
			return n, wrap(st.what, err)
		}
	}
	var at time.Time
	err = tx.QueryRow(ctx, `UPDATE road_network SET built_version = roads_version, built_at = now(),
			nodes = (SELECT count(*) FROM road_node WHERE unit_id = $1),
			edges = (SELECT count(*) FROM road_edge WHERE unit_id = $1)
		WHERE unit_id = $1 RETURNING nodes, edges, built_at, (SELECT count(*) FROM road WHERE unit_id = $1)`, unitID).
		Scan(&n.Nodes, &n.Edges, &at, &n.Roads)
	if err != nil {
		return n, wrap("state", err)
	}
	n.BuiltAt = at
	if err := tx.Commit(ctx); err != nil {
		return n, wrap("commit", err)
	}
	return n, nil
}

// SnapToRoads returns, for each point, the nearest node of the unit's routing graph; the graph
// must be built (RoadNetwork) and not empty.
func (s *Store) SnapToRoads(ctx context.Context, unitID int, pts []orb.Point) ([]geo.RoadSnap, error) {
	if len(pts) == 0 {
		return nil, nil
	}
	lons, lats := make([]float64, len(pts)), make([]float64, len(pts))
	for i, p := range pts {
		lons[i], lats[i] = p[0], p[1]
	}
	rows, err := s.pool.Query(ctx, `SELECT t.i, n.id, ST_X(n.geom), ST_Y(n.geom), ST_DistanceSphere(n.geom, t.p)
		FROM (SELECT u.i, ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326) AS p
		      FROM unnest($2::float8[], $3::float8[]) WITH ORDINALITY AS u(lon, lat, i)) t
		CROSS JOIN LATERAL (SELECT id, geom FROM road_node WHERE unit_id = $1 ORDER BY geom <-> t.p LIMIT 1) n`,
		unitID, lons, lats)
	if err != nil {
		return nil, classify(fmt.Errorf("snap to roads of unit %d: %w", unitID, err))
	}
	defer rows.Close()
	out := make([]geo.RoadSnap, len(pts))
	found := 0
	for rows.Next() {
		var i int64
		var sn geo.RoadSnap
		if err := rows.Scan(&i, &sn.Node, &sn.Point[0], &sn.Point[1], &sn.DistM); err != nil {
			return nil, classify(fmt.Errorf("snap to roads of unit %d: %w", unitID, err))
		}
		out[i-1] = sn
		found++
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("snap to roads of unit %d: %w", unitID, err))
	}
	if found != len(pts) {
		return nil, fmt.Errorf("snap to roads of unit %d: the routing graph is empty", unitID)
	}
	return out, nil
}

// edgesSQL is the pgRouting edge query of one unit; format() fills in the integer unit id, so no
// value is ever spliced into SQL text on the Go side.
const edgesSQL = `format('SELECT id, source, target, cost, reverse_cost FROM road_edge WHERE unit_id = %s', $1::integer)`

// RoadDistances returns the matrix of shortest road distances in metres between graph nodes
// (pgr_dijkstraCostMatrix, undirected): out[i][j] from nodes[i] to nodes[j], +Inf when no road
// joins them. It needs pgRouting (RoutingAvailable).
func (s *Store) RoadDistances(ctx context.Context, unitID int, nodes []int64) ([][]float64, error) {
	out := make([][]float64, len(nodes))
	index := map[int64][]int{}
	for i, v := range nodes {
		out[i] = make([]float64, len(nodes))
		for j := range out[i] {
			if i != j {
				out[i][j] = math.Inf(1)
			}
		}
		index[v] = append(index[v], i)
	}
	distinct := make([]int64, 0, len(index))
	for v := range index {
		distinct = append(distinct, v)
	}
	if len(distinct) < 2 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT start_vid, end_vid, agg_cost
		FROM pgr_dijkstraCostMatrix(`+edgesSQL+`, $2::bigint[], directed => false)`, unitID, distinct)
	if err != nil {
		return nil, classify(fmt.Errorf("road distances of unit %d: %w", unitID, err))
	}
	defer rows.Close()
	for rows.Next() {
		var a, b int64
		var cost float64
		if err := rows.Scan(&a, &b, &cost); err != nil {
			return nil, classify(fmt.Errorf("road distances of unit %d: %w", unitID, err))
		}
		for _, i := range index[a] {
			for _, j := range index[b] {
				out[i][j] = cost
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("road distances of unit %d: %w", unitID, err))
	}
	// Nodes that are the same node are 0 apart.
	for _, is := range index {
		for _, i := range is {
			for _, j := range is {
				out[i][j] = 0
			}
		}
	}
	return out, nil
}

// RoadPaths returns the shortest road path (pgr_dijkstra, undirected) of each leg, from
// legs[k][0] to legs[k][1], as a line along the road pieces; nil for a leg whose ends are the
// same node or that no road joins. It needs pgRouting (RoutingAvailable).
func (s *Store) RoadPaths(ctx context.Context, unitID int, legs [][2]int64) ([]orb.LineString, error) {
	out := make([]orb.LineString, len(legs))
	var from, to []int64
	seen := map[[2]int64]bool{}
	for _, l := range legs {
		if l[0] != l[1] && !seen[l] {
			seen[l] = true
			from, to = append(from, l[0]), append(to, l[1])
		}
	}
	if len(from) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT d.start_vid, d.end_vid,
			ST_AsBinary(CASE WHEN d.node = e.source THEN e.geom ELSE ST_Reverse(e.geom) END)
		FROM pgr_dijkstra(`+edgesSQL+`,
			format('SELECT s AS source, t AS target FROM unnest(%L::bigint[], %L::bigint[]) AS c(s, t)', $2::bigint[], $3::bigint[]),
			directed => false) d
		JOIN road_edge e ON e.id = d.edge
		ORDER BY d.start_vid, d.end_vid, d.path_seq`, unitID, from, to)
	if err != nil {
		return nil, classify(fmt.Errorf("road paths of unit %d: %w", unitID, err))
	}
	defer rows.Close()
	paths := map[[2]int64]orb.LineString{}
	for rows.Next() {
		var a, b int64
		var raw []byte
		if err := rows.Scan(&a, &b, &raw); err != nil {
			return nil, classify(fmt.Errorf("road paths of unit %d: %w", unitID, err))
		}
		g, err := wkb.Unmarshal(raw)
		if err != nil {
			return nil, fmt.Errorf("road paths of unit %d: %w", unitID, err)
		}
		piece, ok := g.(orb.LineString)
		if !ok {
			return nil, fmt.Errorf("road paths of unit %d: an edge is a %s", unitID, g.GeoJSONType())
		}
		key := [2]int64{a, b}
		line := paths[key]
		for _, pt := range piece {
			if len(line) > 0 && line[len(line)-1] == pt {
				continue
			}
			line = append(line, pt)
		}
		paths[key] = line
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("road paths of unit %d: %w", unitID, err))
	}
	for k, l := range legs {
		if p := paths[l]; len(p) >= 2 {
			out[k] = p
		}
	}
	return out, nil
}
