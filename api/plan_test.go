package api_test

import (
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/demo"
	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// The store implements the planning and report storage.
var (
	_ api.PlanBackend   = (*store.Store)(nil)
	_ api.ReportBackend = (*store.Store)(nil)
)

// planDay is the day the plan tests load the demo ward for.
var planDay = time.Date(2025, 3, 15, 12, 0, 0, 0, time.UTC)

// planFeature is a feature of a plan answer.
type planFeature struct {
	Type     string `json:"type"`
	Geometry struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

type planAnswer struct {
	Type     string         `json:"type"`
	Features []planFeature  `json:"features"`
	Plan     map[string]any `json:"plan"`
}

func (p planAnswer) role(role string) []planFeature {
	var out []planFeature
	for _, f := range p.Features {
		if f.Properties["role"] == role {
			out = append(out, f)
		}
	}
	return out
}

// routeLines returns the lines of the plan's route feature.
func (p planAnswer) routeLines(t *testing.T) orb.MultiLineString {
	t.Helper()
	routes := p.role("route")
	if len(routes) != 1 || routes[0].Geometry.Type != "MultiLineString" {
		t.Fatalf("want one MultiLineString route, got %d features", len(routes))
	}
	var lines orb.MultiLineString
	if err := json.Unmarshal(routes[0].Geometry.Coordinates, &lines); err != nil {
		t.Fatal(err)
	}
	return lines
}

// metresToRoads returns the distance from p to the nearest road of the ward, in a local plane.
func metresToRoads(roads []demo.Road, p orb.Point) float64 {
	cos := math.Cos(p[1] * math.Pi / 180)
	proj := func(q orb.Point) orb.Point { return orb.Point{(q[0] - p[0]) * cos * 111_320, (q[1] - p[1]) * 110_574} }
	best := math.Inf(1)
	for _, r := range roads {
		l := make(orb.LineString, len(r.Line))
		for i, q := range r.Line {
			l[i] = proj(q)
		}
		best = math.Min(best, planar.DistanceFrom(l, orb.Point{}))
	}
	return best
}

// randomWalk walks the ward's roads from the vertex nearest to start, choosing a random road
// piece at every junction (never straight back unless at a dead end), until it has covered
// length metres.
func randomWalk(roads []demo.Road, start orb.Point, length float64, seed uint64) orb.LineString {
	adj := map[orb.Point][]orb.Point{}
	for _, r := range roads {
		for i := 1; i < len(r.Line); i++ {
			a, b := r.Line[i-1], r.Line[i]
			adj[a] = append(adj[a], b)
			adj[b] = append(adj[b], a)
		}
	}
	var at orb.Point
	best := math.Inf(1)
	for v := range adj {
		if d := orbgeo.DistanceHaversine(v, start); d < best || (d == best && (v[0] < at[0] || v[0] == at[0] && v[1] < at[1])) {
			at, best = v, d
		}
	}
	r := rand.New(rand.NewPCG(seed, 99))
	line := orb.LineString{at}
	var prev orb.Point
	walked := 0.0
	for walked < length {
		next := slices.Clone(adj[at])
		slices.SortFunc(next, func(a, b orb.Point) int {
			if a[0] != b[0] {
				return int(math.Copysign(1, a[0]-b[0]))
			}
			return int(math.Copysign(1, a[1]-b[1]))
		})
		if len(next) > 1 {
			next = slices.DeleteFunc(next, func(p orb.Point) bool { return p == prev && len(line) > 1 })
		}
		n := next[r.IntN(len(next))]
		d := orbgeo.DistanceHaversine(at, n)
		if walked+d > length {
			f := (length - walked) / d
			n = orb.Point{at[0] + (n[0]-at[0])*f, at[1] + (n[1]-at[1])*f}
			d = length - walked
		}
		line = append(line, n)
		walked += d
		prev, at = at, n
	}
	return line
}

// evaluation is the summary of POST /api/v1/plan/evaluate.
type evaluation struct {
	Evaluation struct {
		LengthM      float64 `json:"length_m"`
		WalkMin      float64 `json:"walk_min"`
		MotorbikeMin float64 `json:"motorbike_min"`
		Gain         struct {
			GapCells        int `json:"gap_cells"`
			GapCellsCovered int `json:"gap_cells_covered"`
			KeyAreasCovered int `json:"key_areas_covered"`
			CoveredBefore   int `json:"covered_before"`
			CoveredAfter    int `json:"covered_after"`
		} `json:"gain"`
	} `json:"evaluation"`
	Features []planFeature `json:"features"`
}

func (e *testEnv) evaluate(user, query string, geom any) evaluation {
	e.t.Helper()
	r := e.as(user, http.MethodPost, "/api/v1/plan/evaluate?"+query, geom)
	if r.status != http.StatusOK {
		e.t.Fatalf("evaluate: %d %s", r.status, r.body)
	}
	var ev evaluation
	r.json(e.t, &ev)
	return ev
}

// TestPlanDemoWard plans tonight's patrol on the demo ward, whose road network is loaded and
// routed with pgRouting: the route follows the roads, starts at the ward office, covers more
// never-patrolled cells than random walks of the same length, and exports to GPX that gpsbabel
// reads.
func TestPlanDemoWard(t *testing.T) {
	e := newEnv(t)
	w := e.loadDemo(1, planDay)
	night := w.Day.Format(time.DateOnly)
	query := "unit=demo&night=" + night + "&max_km=6"

	r := e.as("analystall", http.MethodGet, "/api/v1/plan?"+query, nil)
	if r.status != http.StatusOK {
		t.Fatalf("plan: %d %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/geo+json" {
		t.Errorf("content type %q", ct)
	}
	var p planAnswer
	r.json(t, &p)
	saveArtifact(t, "plan-demo.geojson", r.body)
	if p.Plan["routing"] != "pgrouting" {
		storetest.Unavailable(t, fmt.Sprintf("the plan did not use pgRouting (%v): install postgresql-15-pgrouting", p.Plan["routing"]))
	}
	lines := p.routeLines(t)
	stops := p.role("stop")
	length := p.Plan["length_m"].(float64)
	t.Logf("plan: %.0f m, %d stops, %v left out, gain %v", length, len(stops), p.Plan["left_out"], p.Plan["expected_gain"])

	t.Run("shape", func(t *testing.T) {
		if length <= 0 || length > 6000+1 {
			t.Errorf("length %.0f m, limit 6000", length)
		}
		if got := orbgeo.LengthHaversine(lines); math.Abs(got-length) > 5 {
			t.Errorf("route geometry is %.0f m, summary says %.0f", got, length)
		}
		if len(stops) < 4 {
			t.Fatalf("%d stops", len(stops))
		}
		if stops[0].Properties["kind"] != "start" || stops[0].Properties["name"] != "Trụ sở Công an phường" {
			t.Errorf("first stop %v, want the ward office", stops[0].Properties)
		}
		// A closed tour: it ends where it starts.
		first, last := lines[0][0], lines[len(lines)-1][len(lines[len(lines)-1])-1]
		if orbgeo.DistanceHaversine(first, last) > 1 {
			t.Errorf("the route starts at %v and ends at %v", first, last)
		}
		kinds := map[string]int{}
		for i, s := range stops {
			k := s.Properties["kind"].(string)
			kinds[k]++
			if int(s.Properties["order"].(float64)) != i {
				t.Errorf("stop %d has order %v", i, s.Properties["order"])
			}
			d := s.Properties["dwell_min"].(float64)
			switch k {
			case "key_area":
				if d < 10 || d > 16 {
					t.Errorf("key area stop %v: dwell %v min, want 10–16", s.Properties["name"], d)
				}
			case "gap":
				if s.Properties["cell"] == nil {
					t.Errorf("gap stop without a cell: %v", s.Properties)
				}
			}
		}
		if kinds["gap"] == 0 {
			t.Errorf("no gap stops: %v", kinds)
		}
		// Every gap stop lies in its cell, so the route patrols it.
		covered := p.Plan["expected_gain"].(map[string]any)["gap_cells_covered"].(float64)
		if covered < float64(kinds["gap"]) {
			t.Errorf("the route covers %v gap cells but has %d gap stops", covered, kinds["gap"])
		}
	})

	t.Run("random order: same stops, another order, reproducible, within max_km", func(t *testing.T) {
		stopKeys := func(a planAnswer) []string {
			var out []string
			for _, s := range a.role("stop") {
				out = append(out, fmt.Sprint(s.Properties["kind"], s.Properties["name"], s.Properties["cell"]))
			}
			return out
		}
		get := func(q string) planAnswer {
			r := e.as("analystall", http.MethodGet, "/api/v1/plan?"+q, nil)
			if r.status != http.StatusOK {
				t.Fatalf("plan %s: %d %s", q, r.status, r.body)
			}
			var a planAnswer
			r.json(t, &a)
			return a
		}
		shortest := stopKeys(p)
		if got := stopKeys(get(query + "&order=shortest")); !slices.Equal(got, shortest) {
			t.Errorf("order=shortest %v differs from the default %v", got, shortest)
		}
		a, b := get(query+"&order=random&seed=7"), get(query+"&order=random&seed=7")
		ka, kb := stopKeys(a), stopKeys(b)
		if !slices.Equal(ka, kb) || a.Plan["length_m"] != b.Plan["length_m"] {
			t.Fatalf("seed 7 twice: %v then %v", ka, kb)
		}
		if a.Plan["order"] != "random" || a.Plan["seed"] != 7.0 || a.Plan["randomized"] != true {
			t.Errorf("plan %v", a.Plan)
		}
		if slices.Equal(ka, shortest) {
			t.Errorf("random order equals the shortest: %v", ka)
		}
		sa, ss := slices.Clone(ka), slices.Clone(shortest)
		slices.Sort(sa)
		slices.Sort(ss)
		if !slices.Equal(sa, ss) {
			t.Errorf("random stops %v, shortest stops %v", sa, ss)
		}
		if l := a.Plan["length_m"].(float64); l > 6000+1 || l < length {
			t.Errorf("random length %.0f m, shortest %.0f, limit 6000", l, length)
		}
		t.Logf("shortest %.0f m %v; random (seed 7) %.0f m %v", length, shortest, a.Plan["length_m"], ka)
		wantProblem(t, e.as("analystall", http.MethodGet, "/api/v1/plan?"+query+"&order=zigzag", nil), 400, "order")
		wantProblem(t, e.as("analystall", http.MethodGet, "/api/v1/plan?"+query+"&order=random&seed=x", nil), 400, "seed")
	})

	t.Run("a long limit takes every target", func(t *testing.T) {
		r := e.as("analystall", http.MethodGet, "/api/v1/plan?unit=demo&night="+night+"&max_km=40&targets=5", nil)
		var all planAnswer
		r.json(t, &all)
		if r.status != http.StatusOK || all.Plan["left_out"].(float64) != 0 {
			t.Fatalf("plan: %d %v", r.status, all.Plan)
		}
		names := []string{}
		for _, s := range all.role("stop") {
			names = append(names, s.Properties["name"].(string))
		}
		// The neglected key area is below its requirement at the end of a dead-end alley.
		if !slices.Contains(names, w.Neglected) {
			t.Errorf("the neglected key area %q is not a stop: %v", w.Neglected, names)
		}
		t.Logf("long plan: %v stops %v", all.Plan, names)
		gain := all.Plan["expected_gain"].(map[string]any)
		if gain["key_areas_covered"] != gain["key_areas_due"] {
			t.Errorf("with no length limit every key area due a visit is visited: %v", gain)
		}
	})

	t.Run("follows roads", func(t *testing.T) {
		legs := p.role("leg")
		if len(legs) == 0 {
			t.Fatal("no legs")
		}
		for _, l := range legs {
			if l.Properties["straight"] != false {
				t.Errorf("leg %v is straight on a routed network", l.Properties["seq"])
			}
		}
		n := 0
		for _, l := range lines {
			for _, v := range l {
				n++
				if d := metresToRoads(w.Roads, v); d > 3 {
					t.Fatalf("route vertex %v is %.1f m from the nearest road", v, d)
				}
			}
		}
		for _, s := range stops {
			var pt orb.Point
			json.Unmarshal(s.Geometry.Coordinates, &pt)
			if d := metresToRoads(w.Roads, pt); d > 3 {
				t.Errorf("stop %v is %.1f m off the roads", s.Properties["name"], d)
			}
		}
		t.Logf("%d route vertices, all on roads", n)
	})

	t.Run("beats random routes", func(t *testing.T) {
		lookback := "unit=demo&night=" + night
		suggested := e.evaluate("analystall", lookback, map[string]any{"type": "MultiLineString", "coordinates": lines})
		if math.Abs(suggested.Evaluation.LengthM-length) > 5 {
			t.Errorf("evaluated length %.0f m, plan %.0f m", suggested.Evaluation.LengthM, length)
		}
		if want := math.Round(length/1.4/60*10) / 10; math.Abs(suggested.Evaluation.WalkMin-want) > 0.2 {
			t.Errorf("walk time %v min, want %v", suggested.Evaluation.WalkMin, want)
		}
		if want := math.Round(length/8/60*10) / 10; math.Abs(suggested.Evaluation.MotorbikeMin-want) > 0.2 {
			t.Errorf("motorbike time %v min, want %v", suggested.Evaluation.MotorbikeMin, want)
		}
		got := suggested.Evaluation.Gain.GapCellsCovered
		if got == 0 {
			t.Fatalf("the suggested route covers no gap cell")
		}
		if float64(got) != p.Plan["expected_gain"].(map[string]any)["gap_cells_covered"].(float64) {
			t.Errorf("evaluate says %d gap cells, the plan %v", got, p.Plan["expected_gain"])
		}
		for seed := uint64(1); seed <= 8; seed++ {
			walk := randomWalk(w.Roads, w.Office, length, seed)
			ev := e.evaluate("analystall", lookback, map[string]any{"type": "Feature", "properties": map[string]any{},
				"geometry": map[string]any{"type": "LineString", "coordinates": walk}})
			if ev.Evaluation.Gain.GapCellsCovered >= got {
				t.Errorf("random walk %d (%.0f m) covers %d gap cells, the suggested route %d", seed, ev.Evaluation.LengthM, ev.Evaluation.Gain.GapCellsCovered, got)
			}
			t.Logf("random walk %d: %d gap cells (suggested %d)", seed, ev.Evaluation.Gain.GapCellsCovered, got)
		}
	})

	t.Run("gpx", func(t *testing.T) {
		r := e.as("analystall", http.MethodGet, "/api/v1/plan?"+query+"&format=gpx", nil)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/gpx+xml" {
			t.Fatalf("gpx: %d %s %.200s", r.status, r.header.Get("Content-Type"), r.body)
		}
		gpsbabel, err := exec.LookPath("gpsbabel")
		if err != nil {
			storetest.Unavailable(t, "gpsbabel is not installed (apt-get install gpsbabel)")
		}
		saveArtifact(t, "plan-demo.gpx", r.body)
		file := filepath.Join(t.TempDir(), "route.gpx")
		if err := os.WriteFile(file, r.body, 0o644); err != nil {
			t.Fatal(err)
		}
		run := func(args ...string) [][]string {
			out, err := exec.Command(gpsbabel, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("gpsbabel %v: %v\n%s", args, err, out)
			}
			recs, err := csv.NewReader(strings.NewReader(string(out))).ReadAll()
			if err != nil {
				t.Fatalf("gpsbabel output: %v\n%s", err, out)
			}
			return recs
		}
		wpts := run("-i", "gpx", "-f", file, "-o", "unicsv", "-F", "-")
		if len(wpts) != len(stops)+1 { // a header line
			t.Fatalf("gpsbabel reads %d waypoints, the plan has %d stops:\n%v", len(wpts)-1, len(stops), wpts)
		}
		header := wpts[0]
		nameCol := slices.Index(header, "Name")
		latCol, lonCol := slices.Index(header, "Latitude"), slices.Index(header, "Longitude")
		if nameCol < 0 || latCol < 0 || lonCol < 0 {
			t.Fatalf("unicsv header %v", header)
		}
		for i, rec := range wpts[1:] {
			want := stops[i].Properties["name"].(string)
			if !strings.Contains(rec[nameCol], want) && stops[i].Properties["kind"] != "gap" {
				t.Errorf("waypoint %d is %q, want the stop %q", i, rec[nameCol], want)
			}
			if !strings.HasPrefix(rec[nameCol], fmt.Sprintf("%d. ", i)) {
				t.Errorf("waypoint %d is named %q, want it numbered", i, rec[nameCol])
			}
			var pt orb.Point
			json.Unmarshal(stops[i].Geometry.Coordinates, &pt)
			lat, _ := strconv.ParseFloat(rec[latCol], 64)
			lon, _ := strconv.ParseFloat(rec[lonCol], 64)
			if math.Abs(lat-pt[1]) > 1e-6 || math.Abs(lon-pt[0]) > 1e-6 {
				t.Errorf("waypoint %d at %s,%s, stop at %v", i, rec[latCol], rec[lonCol], pt)
			}
		}
		trk := run("-t", "-i", "gpx", "-f", file, "-o", "unicsv", "-F", "-")
		points := 0
		for _, l := range lines {
			points += len(l)
		}
		if len(trk)-1 != points {
			t.Errorf("gpsbabel reads %d track points, the route has %d vertices", len(trk)-1, points)
		}
	})

	t.Run("lang=en names the same stops in English, in the GeoJSON and the GPX alike", func(t *testing.T) {
		r := e.as("analystall", http.MethodGet, "/api/v1/plan?"+query+"&lang=en", nil)
		if r.status != http.StatusOK {
			t.Fatalf("plan lang=en: %d %s", r.status, r.body)
		}
		var en planAnswer
		r.json(t, &en)
		enStops := en.role("stop")
		if len(enStops) != len(stops) {
			t.Fatalf("lang=en gives %d stops, vi %d", len(enStops), len(stops))
		}
		gaps := 0
		for i, s := range enStops {
			vi := stops[i].Properties
			name, _ := s.Properties["name"].(string)
			if s.Properties["kind"] != vi["kind"] || s.Properties["cell"] != vi["cell"] || s.Properties["area_id"] != vi["area_id"] {
				t.Errorf("stop %d: lang=en %v, vi %v: the language changed the plan", i, s.Properties, vi)
			}
			switch vi["kind"] {
			case "gap":
				gaps++
				if !strings.Contains(name, "unpatrolled") || strings.Contains(name, "Vùng") || strings.Contains(name, "chưa tuần tra") {
					t.Errorf("gap stop %d is %q in English (vi %q)", i, name, vi["name"])
				}
			default: // the start and key areas are called by their own names
				if name != vi["name"] {
					t.Errorf("stop %d is %q in English, %q in Vietnamese", i, name, vi["name"])
				}
			}
		}
		if gaps == 0 {
			t.Fatal("no gap stop to check")
		}
		wantRoute := "Suggested route, night of " + w.Day.Format("02/01/2006")
		if got := en.role("route")[0].Properties["name"]; got != wantRoute {
			t.Errorf("route name %q, want %q", got, wantRoute)
		}
		if got := p.role("route")[0].Properties["name"]; got != "Tuyến tuần tra gợi ý đêm "+w.Day.Format("02/01/2006") {
			t.Errorf("Vietnamese route name %q", got)
		}

		for _, lang := range []struct {
			code  string
			stops []planFeature
			desc  string // the waypoint description of a gap stop starts so
		}{{"vi", stops, "Vùng chưa được tuần tra (ô H3 "}, {"en", enStops, "Coverage gap (H3 cell "}} {
			r := e.as("analystall", http.MethodGet, "/api/v1/plan?"+query+"&format=gpx&lang="+lang.code, nil)
			if r.status != http.StatusOK {
				t.Fatalf("gpx lang=%s: %d %s", lang.code, r.status, r.body)
			}
			var doc struct {
				Wpts []struct {
					Name string `xml:"name"`
					Desc string `xml:"desc"`
					Type string `xml:"type"`
				} `xml:"wpt"`
			}
			if err := xml.Unmarshal(r.body, &doc); err != nil {
				t.Fatalf("gpx lang=%s: %v", lang.code, err)
			}
			if len(doc.Wpts) != len(lang.stops) {
				t.Fatalf("gpx lang=%s: %d waypoints for %d stops", lang.code, len(doc.Wpts), len(lang.stops))
			}
			for i, wp := range doc.Wpts {
				if want := fmt.Sprintf("%d. %s", i, lang.stops[i].Properties["name"]); wp.Name != want {
					t.Errorf("gpx lang=%s: waypoint %d is %q, the map's stop %q", lang.code, i, wp.Name, want)
				}
				if wp.Type == "gap" && !strings.HasPrefix(wp.Desc, lang.desc) {
					t.Errorf("gpx lang=%s: waypoint %d says %q", lang.code, i, wp.Desc)
				}
			}
		}

		r = e.as("analystall", http.MethodGet, "/api/v1/plan?"+query+"&lang=fr", nil)
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), `"lang"`) {
			t.Errorf("lang=fr: %d %s, want 400 naming lang", r.status, r.body)
		}
	})

	t.Run("save and list", func(t *testing.T) {
		route := p.role("route")[0]
		body := map[string]any{"type": "Feature", "geometry": map[string]any{"type": "MultiLineString", "coordinates": lines},
			"properties": map[string]any{"name": "Tuyến gợi ý", "kind": "suggested", "stops": len(stops), "legs": route.Properties["legs"]}}
		r := e.as("analystall", http.MethodPost, "/api/v1/routes?unit=demo&night="+night, body)
		if r.status != http.StatusCreated {
			t.Fatalf("save: %d %s", r.status, r.body)
		}
		var saved planFeature
		r.json(t, &saved)
		// PostGIS measures on the spheroid, the plan on a sphere: they differ by a few per mille.
		if saved.Properties["night"] != night || saved.Properties["kind"] != "suggested" || math.Abs(saved.Properties["length_m"].(float64)-length) > 0.005*length {
			t.Errorf("saved %v", saved.Properties)
		}
		r = e.as("analystall", http.MethodGet, "/api/v1/routes?unit=demo&night="+night, nil)
		var list planAnswer
		r.json(t, &list)
		if r.status != http.StatusOK || len(list.Features) != 1 || list.Features[0].Properties["stops"].(float64) != float64(len(stops)) {
			t.Errorf("list: %d %s", r.status, r.body)
		}
	})
}

// TestPlanStraightFallbackAndAccess plans on a unit with no road network (straight legs, marked)
// and checks the roles and the refusals.
func TestPlanStraightFallbackAndAccess(t *testing.T) {
	e := newEnv(t)
	r := e.as("officer1", http.MethodGet, "/api/v1/plan?unit=w1&night=2025-03-14&max_km=3", nil)
	if r.status != http.StatusOK {
		t.Fatalf("plan: %d %s", r.status, r.body)
	}
	var p planAnswer
	r.json(t, &p)
	if p.Plan["routing"] != "straight" {
		t.Errorf("routing %v on a unit without roads", p.Plan["routing"])
	}
	legs := p.role("leg")
	if len(legs) < 2 {
		t.Fatalf("%d legs", len(legs))
	}
	for _, l := range legs {
		if l.Properties["straight"] != true {
			t.Errorf("leg %v is not marked straight", l.Properties)
		}
	}
	if route := p.role("route"); len(route) != 1 || route[0].Properties["straight"] != true {
		t.Errorf("route not marked straight")
	}
	if l := p.Plan["length_m"].(float64); l > 3000 || l < 500 {
		t.Errorf("length %v m with a 3 km limit on a 1 km² ward that was never patrolled", l)
	}
	stops := p.role("stop")
	if stops[0].Properties["kind"] != "start" {
		t.Errorf("first stop %v", stops[0].Properties)
	}
	// Without a ward office the start is the centre of the boundary.
	var start orb.Point
	json.Unmarshal(stops[0].Geometry.Coordinates, &start)
	if orbgeo.DistanceHaversine(start, orb.Point{105.85, 21.47}) > 20 {
		t.Errorf("start %v, want the centre of the ward", start)
	}
	// An explicit start, lat,lon.
	r = e.as("officer1", http.MethodGet, "/api/v1/plan?unit=w1&night=2025-03-14&max_km=2&start=21.466,105.846", nil)
	r.json(t, &p)
	json.Unmarshal(p.role("stop")[0].Geometry.Coordinates, &start)
	if r.status != http.StatusOK || start != (orb.Point{105.846, 21.466}) {
		t.Errorf("explicit start: %d %v", r.status, start)
	}

	for _, tc := range []struct{ query, field string }{
		{"unit=w1&max_km=abc", "max_km"},
		{"unit=w1&max_km=500", "max_km"},
		{"unit=w1&night=14-03-2025", "night"},
		{"unit=w1&start=north", "start"},
		{"unit=w1&start=105.846", "start"},
		{"unit=w1&nights=0", "nights"},
		{"unit=w1&format=kml", "format"},
		{"", "unit"},
	} {
		wantProblem(t, e.as("analyst1", http.MethodGet, "/api/v1/plan?"+tc.query, nil), http.StatusBadRequest, tc.field)
	}
	wantProblem(t, e.as("analyst1", http.MethodGet, "/api/v1/plan?unit=w2", nil), http.StatusForbidden, "")
	wantProblem(t, e.do(http.MethodGet, "/api/v1/plan?unit=w1", "", nil), http.StatusUnauthorized, "")
	wantProblem(t, e.as("analyst1", http.MethodPost, "/api/v1/plan/evaluate?unit=w1", map[string]any{"type": "Point", "coordinates": []float64{105.85, 21.47}}), http.StatusBadRequest, "geometry")
	wantProblem(t, e.as("analyst1", http.MethodPost, "/api/v1/plan/evaluate?unit=w1", "{"), http.StatusBadRequest, "body")

	// Evaluate a drawn line across the ward: every cell it crosses is a gap (nothing patrolled).
	line := map[string]any{"type": "LineString", "coordinates": [][]float64{{105.846, 21.47}, {105.854, 21.47}}}
	ev := e.evaluate("officer1", "unit=w1&night=2025-03-14", line)
	if ev.Evaluation.Gain.GapCellsCovered < 8 || ev.Evaluation.Gain.CoveredBefore != 0 || ev.Evaluation.Gain.CoveredAfter != ev.Evaluation.Gain.GapCellsCovered {
		t.Errorf("evaluation %+v", ev.Evaluation)
	}
	if math.Abs(ev.Evaluation.LengthM-828) > 5 {
		t.Errorf("length %v m, want about 828", ev.Evaluation.LengthM)
	}

	// Saved routes: analysts and admins write, officers read.
	night := "2025-03-14"
	body := map[string]any{"type": "Feature", "geometry": line, "properties": map[string]any{"name": "Tuyến 1"}}
	wantProblem(t, e.as("officer1", http.MethodPost, "/api/v1/routes?unit=w1&night="+night, body), http.StatusForbidden, "")
	wantProblem(t, e.as("analyst2", http.MethodPost, "/api/v1/routes?unit=w1&night="+night, body), http.StatusForbidden, "")
	wantProblem(t, e.as("analyst1", http.MethodPost, "/api/v1/routes?unit=w1&night=2025-14-03", body), http.StatusBadRequest, "night")
	wantProblem(t, e.as("analyst1", http.MethodPost, "/api/v1/routes?unit=w1", map[string]any{"type": "Feature", "geometry": line,
		"properties": map[string]any{"kind": "drawn"}}), http.StatusBadRequest, "kind")
	r = e.as("analyst1", http.MethodPost, "/api/v1/routes?unit=w1&night="+night, body)
	if r.status != http.StatusCreated {
		t.Fatalf("create route: %d %s", r.status, r.body)
	}
	var saved planFeature
	r.json(t, &saved)
	id := int64(saved.Properties["id"].(float64))
	if saved.Properties["kind"] != "planned" || saved.Properties["created_by"] != "analyst1" {
		t.Errorf("saved %v", saved.Properties)
	}
	r = e.as("officer1", http.MethodGet, "/api/v1/routes?unit=w1&night="+night, nil)
	var list planAnswer
	r.json(t, &list)
	if r.status != http.StatusOK || len(list.Features) != 1 {
		t.Errorf("officer list: %d %s", r.status, r.body)
	}
	r = e.as("officer1", http.MethodGet, "/api/v1/routes?unit=w1&night=2025-03-15", nil)
	r.json(t, &list)
	if len(list.Features) != 0 {
		t.Errorf("the next night lists %d routes", len(list.Features))
	}
	path := fmt.Sprintf("/api/v1/routes/%d", id)
	wantProblem(t, e.as("officer1", http.MethodDelete, path, nil), http.StatusForbidden, "")
	wantProblem(t, e.as("analyst2", http.MethodDelete, path, nil), http.StatusForbidden, "")
	if r := e.as("analyst1", http.MethodDelete, path, nil); r.status != http.StatusNoContent {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	wantProblem(t, e.as("analyst1", http.MethodDelete, path, nil), http.StatusNotFound, "")
}
