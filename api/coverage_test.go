package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

var ictZone = time.FixedZone("ICT", 7*3600)

// at is a local (UTC+7) time on a day of 2024.
func at(month time.Month, day, hour, min, sec int) time.Time {
	return time.Date(2024, month, day, hour, min, sec, 0, ictZone)
}

// spot is a place in the test ward: the centre of its resolution-10 cell.
type spot struct {
	name string
	pt   orb.Point
	cell h3.Cell
}

func newSpot(t *testing.T, name string, lon, lat float64) spot {
	t.Helper()
	c, err := geo.CellOf(orb.Point{lon, lat}, 10)
	if err != nil {
		t.Fatal(err)
	}
	centre, err := geo.CellCentre(c)
	if err != nil {
		t.Fatal(err)
	}
	return spot{name: name, pt: centre, cell: c}
}

// fixAt is one fix in the JSON of POST /api/v1/fixes.
func fixAt(device string, s spot, t time.Time) map[string]any {
	return map[string]any{"device": device, "time": t.UTC().Format(time.RFC3339Nano), "lat": s.pt[1], "lon": s.pt[0], "accuracy": 5}
}

// stay is a device standing at a spot with a fix every step from `from` to `to` inclusive.
func stay(device string, s spot, from, to time.Time, step time.Duration) []map[string]any {
	var out []map[string]any
	for t := from; !t.After(to); t = t.Add(step) {
		out = append(out, fixAt(device, s, t))
	}
	return out
}

func postFixes(t *testing.T, e *testEnv, fixes []map[string]any) {
	t.Helper()
	r := e.as("admin", "POST", "/api/v1/fixes", map[string]any{"fixes": fixes})
	if r.status != 200 {
		t.Fatalf("post fixes: %d %s", r.status, r.body)
	}
	var res struct {
		Accepted int
		Rejected []any
	}
	r.json(t, &res)
	if len(res.Rejected) > 0 {
		t.Fatalf("fixes rejected: %s", r.body)
	}
}

// cellProps are the properties of a coverage feature.
type cellProps struct {
	Cell      string  `json:"cell"`
	Passes    int     `json:"passes"`
	DwellS    float64 `json:"dwell_s"`
	Nights    int     `json:"nights"`
	LastVisit string  `json:"last_visit"`
}

type coverageAnswer struct {
	Type     string `json:"type"`
	Features []struct {
		Type     string          `json:"type"`
		Geometry json.RawMessage `json:"geometry"`
		Props    cellProps       `json:"properties"`
	} `json:"features"`
}

func getCoverage(t *testing.T, e *testEnv, user, query string) map[string]cellProps {
	t.Helper()
	r := e.as(user, "GET", "/api/v1/coverage?"+query, nil)
	if r.status != 200 {
		t.Fatalf("coverage %s: %d %s", query, r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/geo+json" {
		t.Fatalf("content type %q", ct)
	}
	var a coverageAnswer
	r.json(t, &a)
	out := map[string]cellProps{}
	for _, f := range a.Features {
		var g struct {
			Type        string
			Coordinates [][][2]float64
		}
		if err := json.Unmarshal(f.Geometry, &g); err != nil || g.Type != "Polygon" || len(g.Coordinates) != 1 || len(g.Coordinates[0]) != 7 {
			t.Fatalf("cell %s geometry is not a hexagon: %s", f.Props.Cell, f.Geometry)
		}
		out[f.Props.Cell] = f.Props
	}
	return out
}

func wantCell(t *testing.T, got map[string]cellProps, s spot, passes int, dwell float64, nights int, last time.Time) {
	t.Helper()
	p, ok := got[s.cell.String()]
	if !ok {
		t.Errorf("%s (%s) not covered", s.name, s.cell)
		return
	}
	if p.Passes != passes || math.Abs(p.DwellS-dwell) > 0.05 || p.Nights != nights || p.LastVisit != last.UTC().Format(time.RFC3339Nano) {
		t.Errorf("%s: passes %d dwell %v nights %d last %s; want %d, %v, %d, %s", s.name, p.Passes, p.DwellS, p.Nights, p.LastVisit,
			passes, dwell, nights, last.UTC().Format(time.RFC3339Nano))
	}
}

// TestCoverageHandBuiltTracks: devices standing at known places for known times, with signal
// gaps of five minutes or more between places (so no segment crosses other cells). Every
// number of the answer is known by hand.
func TestCoverageHandBuiltTracks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.device("w1", "cov-a", "")
	e.device("w1", "cov-b", "")
	x := newSpot(t, "X", 105.8470, 21.4670)
	y := newSpot(t, "Y", 105.8530, 21.4670)
	z := newSpot(t, "Z", 105.8470, 21.4730)
	q := newSpot(t, "Q", 105.8530, 21.4730)
	r := newSpot(t, "R", 105.8500, 21.4700)
	half := 30 * time.Second
	var fixes []map[string]any
	add := func(f []map[string]any) { fixes = append(fixes, f...) }
	// X 22:00–22:20 (1200 s); no signal 6 min; Y 22:26–22:35 (540 s); 5 min without signal;
	// X again 22:40–22:45 (300 s): 20 minutes away, so a second pass.
	add(stay("cov-a", x, at(3, 1, 22, 0, 0), at(3, 1, 22, 20, 0), half))
	add(stay("cov-a", y, at(3, 1, 22, 26, 0), at(3, 1, 22, 35, 0), half))
	add(stay("cov-a", x, at(3, 1, 22, 40, 0), at(3, 1, 22, 45, 0), half))
	// Z 23:00–23:05, silent 8 minutes, Z 23:13–23:15: one pass of 420 s.
	add(stay("cov-a", z, at(3, 1, 23, 0, 0), at(3, 1, 23, 5, 0), half))
	add(stay("cov-a", z, at(3, 1, 23, 13, 0), at(3, 1, 23, 15, 0), half))
	// Q 23:55–23:58 and 00:04–00:06: one pass across midnight, 300 s.
	add(stay("cov-a", q, at(3, 1, 23, 55, 0), at(3, 1, 23, 58, 0), half))
	add(stay("cov-a", q, at(3, 2, 0, 4, 0), at(3, 2, 0, 6, 0), half))
	// R 04:55–04:58 and 05:03–05:05: 180 s in the night, 120 s in the day, one pass in all.
	add(stay("cov-a", r, at(3, 2, 4, 55, 0), at(3, 2, 4, 58, 0), half))
	add(stay("cov-a", r, at(3, 2, 5, 3, 0), at(3, 2, 5, 5, 0), half))
	// A second officer at X 22:05–22:10: passes and dwell of devices add up.
	add(stay("cov-b", x, at(3, 1, 22, 5, 0), at(3, 1, 22, 10, 0), half))
	postFixes(t, e, fixes)

	t.Run("night", func(t *testing.T) {
		got := getCoverage(t, e, "analyst1", "unit=w1&from=2024-03-01&to=2024-03-02")
		if len(got) != 5 {
			t.Errorf("%d cells covered, want 5: %v", len(got), got)
		}
		wantCell(t, got, x, 3, 1800, 1, at(3, 1, 22, 45, 0))
		wantCell(t, got, y, 1, 540, 1, at(3, 1, 22, 35, 0))
		wantCell(t, got, z, 1, 420, 1, at(3, 1, 23, 15, 0))
		wantCell(t, got, q, 1, 300, 1, at(3, 2, 0, 6, 0))
		wantCell(t, got, r, 1, 180, 1, at(3, 2, 4, 58, 0))
	})
	t.Run("all", func(t *testing.T) {
		got := getCoverage(t, e, "officer1", "unit=w1&from=2024-03-01&to=2024-03-03&window=all")
		wantCell(t, got, x, 3, 1800, 1, at(3, 1, 22, 45, 0))
		wantCell(t, got, r, 1, 300, 1, at(3, 2, 5, 5, 0))
	})
	t.Run("day", func(t *testing.T) {
		got := getCoverage(t, e, "analyst1", "unit=w1&from=2024-03-01&to=2024-03-03&window=day")
		if len(got) != 1 {
			t.Errorf("%d cells covered by day, want 1: %v", len(got), got)
		}
		wantCell(t, got, r, 1, 120, 0, at(3, 2, 5, 5, 0))
	})
	t.Run("device", func(t *testing.T) {
		got := getCoverage(t, e, "analyst1", "unit=w1&from=2024-03-01&to=2024-03-02&device=cov-b")
		if len(got) != 1 {
			t.Errorf("%d cells covered by cov-b, want 1", len(got))
		}
		wantCell(t, got, x, 1, 300, 1, at(3, 1, 22, 10, 0))
	})
	t.Run("instants", func(t *testing.T) {
		// From 22:10 to 23:03 local: X 22:10–22:20 and 22:40–22:45 of cov-a (900 s, 2 passes),
		// Y 540 s, Z 23:00–23:03 (180 s).
		got := getCoverage(t, e, "analyst1", "unit=w1&from="+url.QueryEscape("2024-03-01T22:10:00+07:00")+"&to="+url.QueryEscape("2024-03-01T16:03:00Z"))
		wantCell(t, got, x, 2, 900, 1, at(3, 1, 22, 45, 0))
		wantCell(t, got, y, 1, 540, 1, at(3, 1, 22, 35, 0))
		wantCell(t, got, z, 1, 180, 1, at(3, 1, 23, 3, 0))
	})
	t.Run("coarser resolution", func(t *testing.T) {
		got := getCoverage(t, e, "analyst1", "unit=w1&from=2024-03-01&to=2024-03-02&res=9")
		total := 0.0
		for c, p := range got {
			cell := h3.CellFromString(c)
			if !cell.IsValid() || cell.Resolution() != 9 {
				t.Fatalf("cell %s is not of resolution 9", c)
			}
			total += p.DwellS
		}
		if math.Abs(total-3240) > 0.1 {
			t.Errorf("dwell at resolution 9 sums to %v, want 3240", total)
		}
	})
}

// TestCoverageNightBoundary: 21:59:59 local is outside the night and 22:00:00 inside; 04:59:59
// inside and 05:00:00 outside. Each pair of fixes is a one-second segment of its own device in
// its own cell.
func TestCoverageNightBoundary(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	spots := map[string]spot{
		"A": newSpot(t, "A 21:59:58–21:59:59", 105.8470, 21.4670),
		"E": newSpot(t, "E 21:59:59–22:00:01", 105.8530, 21.4670),
		"B": newSpot(t, "B 22:00:00–22:00:01", 105.8470, 21.4730),
		"C": newSpot(t, "C 04:59:58–04:59:59", 105.8530, 21.4730),
		"D": newSpot(t, "D 05:00:00–05:00:01", 105.8500, 21.4700),
	}
	times := map[string][2]time.Time{
		"A": {at(3, 5, 21, 59, 58), at(3, 5, 21, 59, 59)},
		"E": {at(3, 5, 21, 59, 59), at(3, 5, 22, 0, 1)},
		"B": {at(3, 5, 22, 0, 0), at(3, 5, 22, 0, 1)},
		"C": {at(3, 6, 4, 59, 58), at(3, 6, 4, 59, 59)},
		"D": {at(3, 6, 5, 0, 0), at(3, 6, 5, 0, 1)},
	}
	var fixes []map[string]any
	for k, s := range spots {
		dev := "edge-" + strings.ToLower(k)
		e.device("w1", dev, "")
		fixes = append(fixes, fixAt(dev, s, times[k][0]), fixAt(dev, s, times[k][1]))
	}
	postFixes(t, e, fixes)

	night := getCoverage(t, e, "analyst1", "unit=w1&from=2024-03-05&to=2024-03-06")
	day := getCoverage(t, e, "analyst1", "unit=w1&from=2024-03-05&to=2024-03-07&window=day")
	for _, k := range []string{"A", "E", "B", "C", "D"} {
		s := spots[k]
		inNight, inDay := k == "E" || k == "B" || k == "C", k == "A" || k == "E" || k == "D"
		if _, ok := night[s.cell.String()]; ok != inNight {
			t.Errorf("%s: in the night's coverage = %v, want %v", s.name, ok, inNight)
		}
		if _, ok := day[s.cell.String()]; ok != inDay {
			t.Errorf("%s: in the day's coverage = %v, want %v", s.name, ok, inDay)
		}
	}
	wantCell(t, night, spots["E"], 1, 1, 1, at(3, 5, 22, 0, 1))
	wantCell(t, night, spots["B"], 1, 1, 1, at(3, 5, 22, 0, 1))
	wantCell(t, night, spots["C"], 1, 1, 1, at(3, 6, 4, 59, 59))
	wantCell(t, day, spots["E"], 1, 1, 0, at(3, 5, 22, 0, 0))
	wantCell(t, day, spots["D"], 1, 1, 0, at(3, 6, 5, 0, 1))

	// The same boundary for fixes on the cleaned tracks.
	e.device("w1", "edge-track", "")
	var edge []map[string]any
	s := spots["B"]
	for t := at(3, 7, 21, 59, 57); !t.After(at(3, 7, 22, 0, 3)); t = t.Add(time.Second) {
		edge = append(edge, fixAt("edge-track", s, t))
	}
	for t := at(3, 8, 4, 59, 57); !t.After(at(3, 8, 5, 0, 2)); t = t.Add(time.Second) {
		edge = append(edge, fixAt("edge-track", s, t))
	}
	postFixes(t, e, edge)
	tr := getTracks(t, e, "unit=w1&from=2024-03-07&to=2024-03-08&device=edge-track")
	if len(tr) != 1 || tr[0].Props.Fixes != 7 || tr[0].Props.Lines != 2 ||
		tr[0].Props.First != at(3, 7, 22, 0, 0).UTC().Format(time.RFC3339) || tr[0].Props.Last != at(3, 8, 4, 59, 59).UTC().Format(time.RFC3339) {
		t.Errorf("night track at the boundaries = %+v, want 7 fixes (22:00:00–22:00:03, 04:59:57–04:59:59) in 2 lines", tr)
	}
}

type trackAnswer struct {
	Geometry struct {
		Type        string         `json:"type"`
		Coordinates [][][2]float64 `json:"coordinates"`
	} `json:"geometry"`
	Props struct {
		Device string  `json:"device"`
		Fixes  int     `json:"fixes"`
		KM     float64 `json:"km"`
		Lines  int     `json:"lines"`
		First  string  `json:"first"`
		Last   string  `json:"last"`
	} `json:"properties"`
}

func getTracks(t *testing.T, e *testEnv, query string) []trackAnswer {
	t.Helper()
	r := e.as("analyst1", "GET", "/api/v1/tracks?"+query, nil)
	if r.status != 200 {
		t.Fatalf("tracks %s: %d %s", query, r.status, r.body)
	}
	var a struct{ Features []trackAnswer }
	r.json(t, &a)
	return a.Features
}

// TestTracksAreCleaned: a walk with a jump, a low-accuracy fix and a six-minute signal gap
// comes back as two lines without the flagged fixes.
func TestTracksAreCleaned(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.device("w1", "walker", "")
	start := orb.Point{105.8470, 21.4700}
	const stepDeg = 0.0001 // ~10.4 m east per 10 s
	var fixes []map[string]any
	walk := func(from time.Time, n, offset int) {
		for i := 0; i < n; i++ {
			p := orb.Point{start[0] + float64(offset+i)*stepDeg, start[1]}
			fixes = append(fixes, map[string]any{"device": "walker", "time": from.Add(time.Duration(i) * 10 * time.Second).UTC().Format(time.RFC3339),
				"lat": p[1], "lon": p[0], "accuracy": 5})
		}
	}
	walk(at(3, 9, 22, 0, 0), 25, 0)   // 22:00:00–22:04:00
	walk(at(3, 9, 22, 10, 0), 13, 30) // 22:10:00–22:12:00, after a 6-minute gap
	fixes = append(fixes,
		map[string]any{"device": "walker", "time": at(3, 9, 22, 2, 5).UTC().Format(time.RFC3339), "lat": 21.4900, "lon": 105.8470, "accuracy": 5},   // 2 km north in 5 s
		map[string]any{"device": "walker", "time": at(3, 9, 22, 3, 5).UTC().Format(time.RFC3339), "lat": 21.4700, "lon": 105.8495, "accuracy": 250}, // low accuracy
	)
	postFixes(t, e, fixes)
	tr := getTracks(t, e, "unit=w1&from=2024-03-09&to=2024-03-10")
	if len(tr) != 1 {
		t.Fatalf("%d tracks, want 1", len(tr))
	}
	got := tr[0]
	if got.Props.Device != "walker" || got.Props.Fixes != 38 || got.Props.Lines != 2 || got.Geometry.Type != "MultiLineString" ||
		len(got.Geometry.Coordinates) != 2 || len(got.Geometry.Coordinates[0]) != 25 || len(got.Geometry.Coordinates[1]) != 13 {
		t.Fatalf("track = %+v, want 38 fixes in lines of 25 and 13", got.Props)
	}
	want := 36 * 0.0001 * math.Pi / 180 * 6371.0088 * math.Cos(21.47*math.Pi/180)
	if math.Abs(got.Props.KM-want) > 0.002 {
		t.Errorf("km = %v, want %v", got.Props.KM, want)
	}
}

// TestComplianceAndGapsHandBuilt: a key area that needs one visit of ten minutes a night,
// visited 12 minutes on the first night, 5 on the second and not on the third; incidents near
// a never-visited cell.
func TestComplianceAndGapsHandBuilt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.device("w1", "gap-a", "")
	k := newSpot(t, "K", 105.8500, 21.4700)
	// The key area: a small square inside K's hexagon.
	c := k.pt
	square := fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%f,%f],[%f,%f],[%f,%f],[%f,%f],[%f,%f]]]}`,
		c[0]-0.0001, c[1]-0.0001, c[0]+0.0001, c[1]-0.0001, c[0]+0.0001, c[1]+0.0001, c[0]-0.0001, c[1]+0.0001, c[0]-0.0001, c[1]-0.0001)
	r := e.as("analyst1", "POST", "/api/v1/areas?unit=w1", `{"type":"Feature","geometry":`+square+
		`,"properties":{"kind":"key_area","name":"Chợ Phường","required_night_visits":1,"min_dwell_min":10}}`)
	if r.status != 201 {
		t.Fatalf("create area: %d %s", r.status, r.body)
	}
	var area struct{ ID int64 }
	r.json(t, &area)
	var fixes []map[string]any
	fixes = append(fixes, stay("gap-a", k, at(3, 10, 22, 0, 0), at(3, 10, 22, 12, 0), 30*time.Second)...)
	fixes = append(fixes, stay("gap-a", k, at(3, 11, 23, 0, 0), at(3, 11, 23, 5, 0), 30*time.Second)...)
	postFixes(t, e, fixes)

	p := newSpot(t, "P", 105.8470, 21.4730) // never visited
	incidents := []map[string]any{
		{"time": at(3, 1, 21, 0, 0).UTC().Format(time.RFC3339), "lat": p.pt[1], "lon": p.pt[0], "category": "theft", "severity": 5},
		{"time": at(2, 1, 21, 0, 0).UTC().Format(time.RFC3339), "lat": p.pt[1], "lon": p.pt[0], "category": "robbery", "severity": 4},
		{"time": at(2, 2, 21, 0, 0).UTC().Format(time.RFC3339), "lat": p.pt[1], "lon": p.pt[0], "category": "robbery", "severity": 5, "status": "void"},
		{"time": time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339), "lat": p.pt[1], "lon": p.pt[0], "category": "theft", "severity": 5},
	}
	r = e.as("analyst1", "POST", "/api/v1/incidents?unit=w1", map[string]any{"incidents": incidents})
	if r.status != 200 {
		t.Fatalf("incidents: %d %s", r.status, r.body)
	}

	r = e.as("officer1", "GET", "/api/v1/compliance?unit=w1&from=2024-03-10&to=2024-03-13", nil)
	if r.status != 200 {
		t.Fatalf("compliance: %d %s", r.status, r.body)
	}
	var comp struct {
		Features []struct {
			Props struct {
				AreaID   int64    `json:"area_id"`
				Name     string   `json:"name"`
				Required int      `json:"required"`
				Percent  *float64 `json:"percent"`
				Nights   []struct {
					Date     string  `json:"date"`
					Visits   int     `json:"visits"`
					DwellMin float64 `json:"dwell_min"`
					Meets    bool    `json:"meets"`
				} `json:"nights"`
			} `json:"properties"`
		} `json:"features"`
		Overall struct {
			Percent *float64 `json:"percent"`
		} `json:"overall"`
	}
	r.json(t, &comp)
	if len(comp.Features) != 1 {
		t.Fatalf("%d compliance features, want 1: %s", len(comp.Features), r.body)
	}
	cp := comp.Features[0].Props
	type night struct {
		date   string
		visits int
		dwell  float64
		meets  bool
	}
	want := []night{{"2024-03-10", 1, 12, true}, {"2024-03-11", 0, 5, false}, {"2024-03-12", 0, 0, false}}
	if cp.AreaID != area.ID || cp.Name != "Chợ Phường" || cp.Required != 1 || cp.Percent == nil || *cp.Percent != 33.3 || len(cp.Nights) != 3 {
		t.Fatalf("compliance = %s", r.body)
	}
	for i, w := range want {
		n := cp.Nights[i]
		if n.Date != w.date || n.Visits != w.visits || math.Abs(n.DwellMin-w.dwell) > 0.05 || n.Meets != w.meets {
			t.Errorf("night %d = %+v, want %+v", i, n, w)
		}
	}
	if comp.Overall.Percent == nil || *comp.Overall.Percent != 33.3 {
		t.Errorf("overall = %v, want 33.3", comp.Overall.Percent)
	}

	gaps := getGaps(t, e, "analyst1", "unit=w1&from=2024-03-10&to=2024-03-13&lang=en")
	byKey := map[string]gapProps{}
	for i, g := range gaps {
		if g.Rank != i+1 || (i > 0 && g.Risk > gaps[i-1].Risk) {
			t.Fatalf("gaps not ranked by risk at %d: %+v", i, g)
		}
		key := g.Cell
		if g.AreaID != 0 {
			key = fmt.Sprint("area", g.AreaID)
		}
		byKey[key] = g
	}
	if _, ok := byKey[k.cell.String()]; ok {
		t.Errorf("K was visited on two nights but is a gap with min_nights 1")
	}
	// P: 2 incidents of severity 9 inside (the void one and the one older than a year do not
	// count), never visited: risk 9 + 1.
	gp, ok := byKey[p.cell.String()]
	if !ok || gp.Rank != 1 || math.Abs(gp.Risk-10) > 1e-9 ||
		gp.Reason != "never visited at night in 3 nights; 2 incidents (total severity 9) in the cell in the last 12 months" {
		t.Errorf("P = %+v, want rank 1, risk 10", gp)
	}
	ga, ok := byKey[fmt.Sprint("area", area.ID)]
	wantReason := "key area Chợ Phường below its requirement of 1 visit of at least 10 min a night on 2 of 3 judged nights (met on 1); no incidents in or around its cells in the last 12 months"
	// Missed on 2 of 3 nights, no history, a key area: 2/3 × (1 + 0 + 5).
	if !ok || math.Abs(ga.Risk-4) > 0.01 || ga.Reason != wantReason {
		t.Errorf("area gap = %+v, want risk 4 and reason %q", ga, wantReason)
	}
	// A neighbour of P: half of P's severity, never visited.
	disk, _ := h3.GridDisk(p.cell, 1)
	for _, n := range disk {
		if g, ok := byKey[n.String()]; ok && n != p.cell {
			if math.Abs(g.Risk-5.5) > 1e-9 || !strings.Contains(g.Reason, "no incidents in the cell but 2 incidents (total severity 9) around it") {
				t.Errorf("neighbour %s of P = %+v, want risk 5.5", n, g)
			}
		}
	}
	// With min_nights 3, K (two nights) is a gap too, inside the key area: 1/3 × (1 + 0 + 5).
	gaps = getGaps(t, e, "analyst1", "unit=w1&from=2024-03-10&to=2024-03-13&min_nights=3&lang=en")
	found := false
	for _, g := range gaps {
		if g.Cell == k.cell.String() {
			found = true
			if !strings.HasPrefix(g.Reason, "visited on 2 of 3 nights, fewer than 3") || !strings.HasSuffix(g.Reason, "inside key area Chợ Phường") ||
				math.Abs(g.Risk-2) > 0.01 {
				t.Errorf("K = %+v", g)
			}
		}
	}
	if !found {
		t.Error("K is not a gap with min_nights 3")
	}
	// Without lang the reasons are in Vietnamese, as /plan's words are; lang=vi says the same.
	wantVI := map[string]string{
		p.cell.String():             "chưa được tuần tra ban đêm lần nào trong 3 đêm; 2 vụ việc (tổng mức độ nghiêm trọng 9) trong ô này trong 12 tháng qua",
		fmt.Sprint("area", area.ID): "khu vực trọng điểm Chợ Phường chưa đạt yêu cầu 1 lượt (mỗi lượt lưu lại ít nhất 10 phút) mỗi đêm ở 2 trên 3 đêm được xét (đạt 1 đêm); không có vụ việc nào trong và quanh các ô của khu vực trong 12 tháng qua",
	}
	for _, query := range []string{"unit=w1&from=2024-03-10&to=2024-03-13", "unit=w1&from=2024-03-10&to=2024-03-13&lang=vi"} {
		vi := getGaps(t, e, "analyst1", query)
		if len(vi) != len(byKey) {
			t.Errorf("%s: %d gaps, lang=en %d", query, len(vi), len(byKey))
		}
		for _, g := range vi {
			key := g.Cell
			if g.AreaID != 0 {
				key = fmt.Sprint("area", g.AreaID)
			}
			if en := byKey[key]; g.Rank != en.Rank || g.Risk != en.Risk || g.Reason == en.Reason {
				t.Errorf("%s: %s ranks %d risk %v reason %q; lang=en ranks %d risk %v reason %q", query, key, g.Rank, g.Risk, g.Reason, en.Rank, en.Risk, en.Reason)
			}
			if want, ok := wantVI[key]; ok && g.Reason != want {
				t.Errorf("%s: %s reason %q, want %q", query, key, g.Reason, want)
			}
		}
	}
}

type gapProps struct {
	Rank   int      `json:"rank"`
	Risk   float64  `json:"risk"`
	Reason string   `json:"reason"`
	Kind   string   `json:"kind"`
	Cell   string   `json:"cell"`
	AreaID int64    `json:"area_id"`
	Name   string   `json:"name"`
	Cells  []string `json:"cells"`
	// A key area's nights, counted as /compliance counts them.
	NightsMet    int      `json:"nights_met"`
	NightsJudged int      `json:"nights_judged"`
	NightsMissed int      `json:"nights_missed"`
	NightsOpen   int      `json:"nights_open"`
	OpenNights   []string `json:"open_nights"`
}

func getGaps(t *testing.T, e *testEnv, user, query string) []gapProps {
	t.Helper()
	r := e.as(user, "GET", "/api/v1/gaps?"+query, nil)
	if r.status != 200 {
		t.Fatalf("gaps %s: %d %s", query, r.status, r.body)
	}
	var a struct {
		Features []struct {
			Geometry json.RawMessage `json:"geometry"`
			Props    gapProps        `json:"properties"`
		} `json:"features"`
	}
	r.json(t, &a)
	out := make([]gapProps, len(a.Features))
	for i, f := range a.Features {
		if len(f.Geometry) == 0 || string(f.Geometry) == "null" {
			t.Fatalf("gap %d has no geometry", i)
		}
		out[i] = f.Props
	}
	return out
}

// TestCoverageLateOutOfOrder: the same three nights of patrol posted in order for a device of
// w1, and shuffled in batches at different times for a device of w2 (same boundary), with
// coverage read between batches; the answers end up the same.
func TestCoverageLateOutOfOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.device("w1", "order-1", "")
	e.device("w2", "order-2", "")
	rnd := rand.New(rand.NewPCG(11, 12))
	var track [][3]float64 // unix seconds, lon, lat
	for n := 0; n < 3; n++ {
		t0 := at(3, 20+n, 22, 30, 0)
		pos := orb.Point{105.846 + 0.008*rnd.Float64(), 21.466 + 0.008*rnd.Float64()}
		target := pos
		for t := t0; t.Before(t0.Add(2 * time.Hour)); t = t.Add(time.Duration(5+rnd.IntN(5)) * time.Second) {
			if math.Hypot(target[0]-pos[0], target[1]-pos[1]) < 2e-5 {
				target = orb.Point{105.846 + 0.008*rnd.Float64(), 21.466 + 0.008*rnd.Float64()}
			}
			d := math.Hypot(target[0]-pos[0], target[1]-pos[1])
			step := math.Min(d, 1.5*7/111000)
			pos = orb.Point{pos[0] + (target[0]-pos[0])/d*step, pos[1] + (target[1]-pos[1])/d*step}
			track = append(track, [3]float64{float64(t.Unix()), pos[0], pos[1]})
		}
	}
	body := func(dev string, pts [][3]float64) []map[string]any {
		out := make([]map[string]any, len(pts))
		for i, p := range pts {
			out[i] = map[string]any{"device": dev, "time": time.Unix(int64(p[0]), 0).UTC().Format(time.RFC3339), "lon": p[1], "lat": p[2], "accuracy": 6}
		}
		return out
	}
	postFixes(t, e, body("order-1", track))
	shuffled := slices.Clone(track)
	rnd.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	query := "from=2024-03-20&to=2024-03-23"
	for len(shuffled) > 0 {
		n := min(len(shuffled), 50+rnd.IntN(700))
		postFixes(t, e, body("order-2", shuffled[:n]))
		shuffled = shuffled[n:]
		getCoverage(t, e, "analyst2", "unit=w2&"+query)
	}
	a := getCoverage(t, e, "analyst1", "unit=w1&"+query)
	b := getCoverage(t, e, "analyst2", "unit=w2&"+query)
	if len(a) < 50 || len(a) != len(b) {
		t.Fatalf("in order %d cells, shuffled %d", len(a), len(b))
	}
	for c, pa := range a {
		if pb := b[c]; pa != pb {
			t.Errorf("cell %s: in order %+v, shuffled %+v", c, pa, pb)
		}
	}
}

// TestCoverageAccessAndParams: 401 without credentials, 403 outside the scope, problem+json
// naming the field for bad parameters.
func TestCoverageAccessAndParams(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.device("w2", "other-unit-phone", "")
	for _, path := range []string{"/api/v1/coverage", "/api/v1/gaps", "/api/v1/compliance", "/api/v1/tracks"} {
		wantProblem(t, e.do("GET", path+"?unit=w1", "", nil), 401, "")
		wantProblem(t, e.as("analyst2", "GET", path+"?unit=w1", nil), 403, "")
		wantProblem(t, e.as("analyst1", "GET", path, nil), 400, "unit")
		wantProblem(t, e.as("analyst1", "GET", path+"?unit=nope", nil), 404, "unit")
		wantProblem(t, e.as("analyst1", "GET", path+"?unit=w1&from=yesterday&to=2024-03-02", nil), 400, "from")
		wantProblem(t, e.as("analyst1", "GET", path+"?unit=w1&from=2024-03-02&to=2024-03-01", nil), 400, "to")
		if r := e.as("admin", "GET", path+"?unit=w2&from=2024-03-01&to=2024-03-02", nil); r.status != 200 {
			t.Errorf("%s as admin: %d %s", path, r.status, r.body)
		}
	}
	for _, tc := range []struct{ query, field string }{
		{"/api/v1/coverage?unit=w1&window=evening", "window"},
		{"/api/v1/coverage?unit=w1&res=12", "res"},
		{"/api/v1/coverage?unit=w1&res=ten", "res"},
		{"/api/v1/coverage?unit=w1&res=9&from=2024-01-01&to=2024-06-01", "res"},
		{"/api/v1/gaps?unit=w1&min_nights=0", "min_nights"},
		{"/api/v1/gaps?unit=w1&min_nights=x", "min_nights"},
		{"/api/v1/gaps?unit=w1&lang=fr", "lang"},
		{"/api/v1/gaps?unit=w1&lang=", "lang"},
		{"/api/v1/tracks?unit=w1&window=dusk", "window"},
	} {
		wantProblem(t, e.as("analyst1", "GET", tc.query, nil), 400, tc.field)
	}
	wantProblem(t, e.as("analyst1", "GET", "/api/v1/coverage?unit=w1&device=other-unit-phone", nil), 404, "device")
	// A unit without a boundary has no study area, hence no gaps; its coverage is still there.
	if _, err := e.store.CreateUnit(context.Background(), patrol.Unit{Code: "noline", Name: "No boundary", TimeZone: "Asia/Ho_Chi_Minh",
		NightStart: "22:00", NightEnd: "05:00", H3Res: 10}); err != nil {
		t.Fatal(err)
	}
	wantProblem(t, e.as("admin", "GET", "/api/v1/gaps?unit=noline", nil), 409, "unit")
	if r := e.as("admin", "GET", "/api/v1/coverage?unit=noline", nil); r.status != 200 {
		t.Errorf("coverage of a unit without boundary: %d %s", r.status, r.body)
	}
	wantProblem(t, e.as("analyst1", "GET", "/api/v1/tracks?unit=w1&device=no-such-phone", nil), 404, "device")
}

// TestCoverageDemoWard: on the demo ward the neglected key area is far below its requirement,
// and it and its cells are among the top gaps.
func TestCoverageDemoWard(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	day := time.Date(2024, 9, 1, 0, 0, 0, 0, ictZone)
	w := e.loadDemo(1, day)
	query := "unit=demo&from=2024-08-02&to=2024-09-01"

	// LoadDemo replaces the user "admin"; analystall reads every unit.
	r := e.as("analystall", "GET", "/api/v1/compliance?"+query, nil)
	if r.status != 200 {
		t.Fatalf("compliance: %d %s", r.status, r.body)
	}
	var comp struct {
		Features []struct {
			Props struct {
				AreaID  int64    `json:"area_id"`
				Name    string   `json:"name"`
				Percent *float64 `json:"percent"`
			} `json:"properties"`
		} `json:"features"`
		Overall struct {
			Percent *float64 `json:"percent"`
		} `json:"overall"`
	}
	r.json(t, &comp)
	var neglectedID int64
	var others []float64
	for _, f := range comp.Features {
		if f.Props.Percent == nil {
			t.Fatalf("area %s has no percent", f.Props.Name)
		}
		if f.Props.Name == w.Neglected {
			neglectedID = f.Props.AreaID
			if *f.Props.Percent > 25 {
				t.Errorf("the neglected area %s is compliant on %v%% of nights", w.Neglected, *f.Props.Percent)
			}
			continue
		}
		others = append(others, *f.Props.Percent)
	}
	if neglectedID == 0 || len(others) != len(w.KeyAreas)-1 {
		t.Fatalf("compliance lists %d areas without %q", len(comp.Features), w.Neglected)
	}
	slices.Sort(others)
	if median := others[len(others)/2]; median < 60 {
		t.Errorf("the other key areas are compliant on a median %v%% of nights", median)
	}
	t.Logf("neglected area compliance; others %v; overall %v", others, *comp.Overall.Percent)

	gaps := getGaps(t, e, "analystall", query)
	var areaCells []string
	areaRank := 0
	for _, gp := range gaps {
		if gp.AreaID == neglectedID {
			areaRank, areaCells = gp.Rank, gp.Cells
		}
	}
	for i, gp := range gaps[:min(len(gaps), 12)] {
		t.Logf("gap %d: %s %s %s risk %.2f: %s", i+1, gp.Kind, gp.Cell, gp.Name, gp.Risk, gp.Reason)
	}
	if areaRank == 0 || areaRank > 10 {
		t.Errorf("the neglected area ranks %d among %d gaps, want the top 10", areaRank, len(gaps))
	}
	if len(areaCells) == 0 {
		t.Fatal("the neglected area's gap lists no cells")
	}
	// Its cells: those never visited in the 30 nights are gaps of their own, in the top fifth.
	inArea := map[string]bool{}
	for _, c := range areaCells {
		inArea[c] = true
	}
	cellGaps := 0
	for _, gp := range gaps {
		if gp.Kind == "cell" && inArea[gp.Cell] {
			cellGaps++
			if gp.Rank > len(gaps)/5 {
				t.Errorf("cell %s of the neglected area ranks %d among %d gaps", gp.Cell, gp.Rank, len(gaps))
			}
		}
	}
	if cellGaps == 0 {
		t.Error("no cell of the neglected area is a gap")
	}
}
