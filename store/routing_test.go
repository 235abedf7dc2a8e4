package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"

	"github.com/patrolmap/patrolmap/demo"
	"github.com/patrolmap/patrolmap/demo/load"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// distanceToRoads returns the metres from p to the nearest of the ward's roads, measured in a
// local plane (fine at ward scale).
func distanceToRoads(w *demo.Ward, p orb.Point) float64 {
	cos := math.Cos(p[1] * math.Pi / 180)
	proj := func(q orb.Point) orb.Point { return orb.Point{q[0] * cos * 111_320, q[1] * 110_540} }
	best := math.Inf(1)
	pp := proj(p)
	for _, r := range w.Roads {
		line := make(orb.LineString, len(r.Line))
		for i, q := range r.Line {
			line[i] = proj(q)
		}
		best = math.Min(best, planar.DistanceFrom(line, pp))
	}
	return best
}

// TestRouteNetworkAndRouting loads the demo ward once and checks the routing graph, its lazy
// rebuild, road distances and paths (pgRouting is required under CI=true), and the route archive.
func TestRouteNetworkAndRouting(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	w, err := demo.Generate(1, time.Date(2025, 3, 15, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := load.Demo(ctx, s, w); err != nil {
		t.Fatal(err)
	}
	unit, err := s.UnitByCode(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}

	net, err := s.RoadNetwork(ctx, unit.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !net.Rebuilt || net.Roads != len(w.Roads) || net.Nodes < 100 || net.Edges < net.Nodes-len(w.Roads) {
		t.Fatalf("first network: %+v (roads in the ward: %d)", net, len(w.Roads))
	}
	again, err := s.RoadNetwork(ctx, unit.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.Rebuilt || again.Nodes != net.Nodes || again.Edges != net.Edges {
		t.Errorf("second call rebuilt or changed the network: %+v, then %+v", net, again)
	}
	if !net.Routing {
		storetest.Unavailable(t, "pgRouting is not installed (apt-get install postgresql-15-pgrouting)")
	}

	// Every edge is at most RoadPieceM long (plus rounding) and lies on a road.
	var maxCost float64
	var edges int
	if err := s.Pool().QueryRow(ctx, `SELECT max(cost), count(*) FROM road_edge WHERE unit_id = $1`, unit.ID).Scan(&maxCost, &edges); err != nil {
		t.Fatal(err)
	}
	if maxCost > store.RoadPieceM+0.5 || edges != net.Edges {
		t.Errorf("longest edge %.1f m, %d edges (status says %d)", maxCost, edges, net.Edges)
	}

	t.Run("paths follow roads", func(t *testing.T) {
		// The office and the far corners of the ward.
		pts := []orb.Point{w.Office, w.ClusterCentre, w.Boundary[0][1], w.Boundary[0][5]}
		snaps, err := s.SnapToRoads(ctx, unit.ID, pts)
		if err != nil {
			t.Fatal(err)
		}
		nodes := make([]int64, len(snaps))
		for i, sn := range snaps {
			nodes[i] = sn.Node
			if d := distanceToRoads(w, sn.Point); d > 1 {
				t.Errorf("snap %d is %.1f m from any road", i, d)
			}
			if math.Abs(orbgeo.DistanceHaversine(pts[i], sn.Point)-sn.DistM) > 1 {
				t.Errorf("snap %d: reported distance %.1f m, real %.1f m", i, sn.DistM, orbgeo.DistanceHaversine(pts[i], sn.Point))
			}
		}
		d, err := s.RoadDistances(ctx, unit.ID, nodes)
		if err != nil {
			t.Fatal(err)
		}
		var legs [][2]int64
		for i := range nodes {
			for j := range nodes {
				if i == j {
					if d[i][j] != 0 {
						t.Errorf("d[%d][%d] = %v", i, j, d[i][j])
					}
					continue
				}
				straight := orbgeo.DistanceHaversine(snaps[i].Point, snaps[j].Point)
				if math.IsInf(d[i][j], 1) || d[i][j] < straight-1 || math.Abs(d[i][j]-d[j][i]) > 1e-6 {
					t.Errorf("road distance %d→%d %.1f m (back %.1f m), straight %.1f m", i, j, d[i][j], d[j][i], straight)
				}
				legs = append(legs, [2]int64{nodes[i], nodes[j]})
			}
		}
		paths, err := s.RoadPaths(ctx, unit.ID, legs)
		if err != nil {
			t.Fatal(err)
		}
		for k, p := range paths {
			if len(p) < 2 {
				t.Fatalf("leg %d has no path", k)
			}
			i, j := slices.Index(nodes, legs[k][0]), slices.Index(nodes, legs[k][1])
			if p[0] != snaps[i].Point || p[len(p)-1] != snaps[j].Point {
				t.Errorf("leg %d runs %v→%v, want %v→%v", k, p[0], p[len(p)-1], snaps[i].Point, snaps[j].Point)
			}
			if l := geo.RouteLength(p); math.Abs(l-d[i][j]) > 0.01*d[i][j]+1 {
				t.Errorf("leg %d is %.1f m long, the matrix says %.1f m", k, l, d[i][j])
			}
			for _, v := range p {
				if dist := distanceToRoads(w, v); dist > 1 {
					t.Fatalf("leg %d: vertex %v is %.1f m off the roads", k, v, dist)
				}
			}
		}
	})

	t.Run("a road change rebuilds lazily", func(t *testing.T) {
		if _, err := s.Pool().Exec(ctx, `INSERT INTO road (unit_id, name, geom)
			SELECT $1, 'Ngõ thử', ST_MakeLine(geom, ST_Translate(geom, 0.001, 0)) FROM road_node WHERE unit_id = $1 ORDER BY id LIMIT 1`, unit.ID); err != nil {
			t.Fatal(err)
		}
		n, err := s.RoadNetwork(ctx, unit.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !n.Rebuilt || n.Roads != len(w.Roads)+1 || n.Edges <= net.Edges {
			t.Errorf("after adding a road: %+v (before %+v)", n, net)
		}
		if err := s.RebuildRoadNetwork(ctx, unit.ID); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("routes", func(t *testing.T) {
		line := `{"type":"LineString","coordinates":[[105.8500,21.4700],[105.8510,21.4700]]}`
		r, err := s.CreateRoute(ctx, patrol.Route{UnitID: unit.ID, Night: "2025-03-14", Name: "Tuyến 1", Kind: patrol.RoutePlanned,
			Geometry: json.RawMessage(line), Properties: json.RawMessage(`{"stops":[]}`), CreatedByName: "tester"})
		if err != nil {
			t.Fatal(err)
		}
		if r.ID == 0 || r.Night != "2025-03-14" || math.Abs(r.LengthM-103.6) > 1 || string(r.Properties) != `{"stops": []}` {
			t.Errorf("stored route %+v", r)
		}
		if _, err := s.CreateRoute(ctx, patrol.Route{UnitID: unit.ID, Kind: patrol.RoutePlanned,
			Geometry: json.RawMessage(`{"type":"Point","coordinates":[105.85,21.47]}`)}); err == nil {
			t.Error("a Point route was stored")
		}
		got, err := s.ListRoutes(ctx, unit.ID, "2025-03-14", "2025-03-15")
		if err != nil || len(got) != 1 || got[0].ID != r.ID {
			t.Fatalf("list: %v %+v", err, got)
		}
		if other, _ := s.ListRoutes(ctx, unit.ID, "2025-03-15", ""); len(other) != 0 {
			t.Errorf("the next night lists %d routes", len(other))
		}
		if err := s.DeleteRoute(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteRoute(ctx, r.ID); err == nil {
			t.Error("deleting twice succeeded")
		}
	})

	t.Run("report data", func(t *testing.T) {
		loc := time.FixedZone("ICT", 7*3600)
		nw := geo.DefaultNightWindow()
		p, err := geo.ParsePeriod("2025-03-01", "2025-03-08", loc, geo.WindowNight, nw)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := s.PatrolSummary(ctx, unit.ID, nw.Periods(p, loc, geo.WindowNight))
		if err != nil {
			t.Fatal(err)
		}
		// Against the demo's own schedule: the shifts of those nights, less the signal gaps of
		// 6 to 15 minutes that some shifts have (not counted, as in coverage).
		var hours float64
		nights, devices := map[string]bool{}, map[string]bool{}
		for _, pt := range w.Patrols {
			if pt.Night >= "2025-03-01" && pt.Night < "2025-03-08" {
				hours += pt.End.Sub(pt.Start).Hours()
				nights[pt.Night], devices[pt.DeviceID] = true, true
			}
		}
		if sum.NightsPatrolled != len(nights) || sum.Devices != len(devices) || sum.Hours > hours+0.01 || sum.Hours < 0.9*hours ||
			sum.DistanceKm < hours*3 || sum.DistanceKm > hours*40 || sum.Fixes < int(hours*3600/7) {
			t.Errorf("summary of one week: %+v; the schedule has %.1f h on %d nights with %d devices", sum, hours, len(nights), len(devices))
		}
		counts, err := s.IncidentCounts(ctx, unit.ID, w.Day.AddDate(0, 0, -365), w.Day)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for i, c := range counts {
			if c.Category != patrol.Categories[i] {
				t.Errorf("count %d is for %s", i, c.Category)
			}
			total += c.Count
		}
		if total != len(w.Incidents) {
			t.Errorf("%d incidents counted, the ward has %d", total, len(w.Incidents))
		}
	})
}

// TestReportSnapshotImmutable archives a report and checks that the row cannot be changed.
func TestReportSnapshotImmutable(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	u, err := s.CreateUnit(ctx, patrol.Unit{Code: "w1", Name: "Phường 1", TimeZone: "Asia/Ho_Chi_Minh", NightStart: "22:00", NightEnd: "05:00", H3Res: 10})
	if err != nil {
		t.Fatal(err)
	}
	html := []byte("<!doctype html><html lang=vi data-verdict=\"pass\"><body>Báo cáo</body></html>")
	from := time.Date(2025, 1, 31, 17, 0, 0, 0, time.UTC)
	snap, err := s.CreateReportSnapshot(ctx, patrol.ReportSnapshot{UnitID: u.ID, From: from, To: from.AddDate(0, 0, 42),
		FromText: "2025-02-01", ToText: "2025-03-15", Lang: "vi", Verdict: "pass", Cutoff: from.AddDate(0, 0, 43), HTML: html,
		CreatedBy: 0, CreatedByName: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(html)
	if string(snap.SHA256) != string(want[:]) || snap.Size != len(html) || snap.UnitCode != "w1" {
		t.Errorf("snapshot %+v", snap)
	}
	got, err := s.ReportSnapshotByID(ctx, snap.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.HTML) != string(html) {
		t.Errorf("stored HTML differs")
	}
	for _, q := range []string{
		`UPDATE report_snapshot SET verdict = 'fail' WHERE id = $1`,
		`UPDATE report_snapshot SET html = 'x'::bytea, sha256 = sha256('x'::bytea) WHERE id = $1`,
		`DELETE FROM report_snapshot WHERE id = $1`,
	} {
		if _, err := s.Pool().Exec(ctx, q, snap.ID); err == nil {
			t.Errorf("%s succeeded", q)
		}
	}
	if _, err := s.Pool().Exec(ctx, `TRUNCATE report_snapshot`); err == nil {
		t.Error("TRUNCATE succeeded")
	}
	// A hash that does not match the HTML is refused by the database itself.
	if _, err := s.Pool().Exec(ctx, `INSERT INTO report_snapshot (unit_id, period_from, period_to, from_text, to_text, lang, verdict, cutoff, html, sha256)
		VALUES ($1, now(), now() + interval '1 day', 'a', 'b', 'vi', 'pass', now(), 'abc'::bytea, sha256('abd'::bytea))`, u.ID); err == nil {
		t.Error("a snapshot with a wrong hash was stored")
	}
	list, err := s.ListReportSnapshots(ctx, u.ID)
	if err != nil || len(list) != 1 || list[0].HTML != nil || list[0].Verdict != "pass" {
		t.Errorf("list: %v %+v", err, list)
	}
}
