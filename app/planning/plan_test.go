package planning_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/app/apptest"
	"github.com/patrolmap/patrolmap/app/planning"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

var night = geo.Date{Year: 2024, Month: 3, Day: 8}

// afterNight is a clock reading after the planned night: every night of its look-back is over.
var afterNight = time.Date(2024, 3, 10, 12, 0, 0, 0, apptest.HCM)

func lookBack(t *testing.T, nights int) planning.LookBack {
	t.Helper()
	l, err := planning.LookBackOf(apptest.Unit(), night, nights)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLookBack(t *testing.T) {
	l := lookBack(t, 7)
	// The coverage period is the 7 nights before the planned night and the planned night itself.
	if l.GapsFrom().String() != "2024-03-01" || l.GapsTo().String() != "2024-03-09" {
		t.Fatalf("gaps period %s–%s", l.GapsFrom(), l.GapsTo())
	}
	if want := time.Date(2024, 3, 1, 22, 0, 0, 0, apptest.HCM); !l.Period.From.Equal(want) {
		t.Fatalf("look-back starts %v, want %v", l.Period.From, want)
	}
	if want := time.Date(2024, 3, 9, 5, 0, 0, 0, apptest.HCM); !l.Period.To.Equal(want) {
		t.Fatalf("look-back ends %v, want the end of the planned night %v", l.Period.To, want)
	}
	for _, n := range []int{0, planning.MaxNights + 1} {
		var fe *patrol.FieldError
		if _, err := planning.LookBackOf(apptest.Unit(), night, n); !errors.As(err, &fe) || fe.Field != "nights" {
			t.Fatalf("nights %d: %v", n, err)
		}
	}
	// By day the plan is for the coming night; after midnight, for the night in progress.
	for _, tc := range []struct {
		now  time.Time
		want string
	}{
		{time.Date(2024, 3, 8, 14, 0, 0, 0, apptest.HCM), "2024-03-08"},
		{time.Date(2024, 3, 9, 2, 0, 0, 0, apptest.HCM), "2024-03-08"},
		{time.Date(2024, 2, 29, 23, 30, 0, 0, apptest.HCM), "2024-02-29"},
		{time.Date(2024, 3, 1, 4, 59, 0, 0, apptest.HCM), "2024-02-29"},
	} {
		if got := planning.Tonight(apptest.Unit(), tc.now).String(); got != tc.want {
			t.Errorf("Tonight(%v) = %s, want %s", tc.now, got, tc.want)
		}
	}
	// A window that does not cross midnight: once it has ended, the coming night is tomorrow's.
	evening := apptest.Unit()
	evening.NightStart, evening.NightEnd = "18:00", "23:00"
	for _, tc := range []struct {
		now  time.Time
		want string
	}{
		{time.Date(2024, 2, 29, 17, 59, 0, 0, apptest.HCM), "2024-02-29"},
		{time.Date(2024, 2, 29, 18, 0, 0, 0, apptest.HCM), "2024-02-29"},
		{time.Date(2024, 2, 29, 22, 59, 0, 0, apptest.HCM), "2024-02-29"},
		{time.Date(2024, 2, 29, 23, 0, 0, 0, apptest.HCM), "2024-03-01"},
		{time.Date(2024, 3, 1, 0, 30, 0, 0, apptest.HCM), "2024-03-01"},
	} {
		if got := planning.Tonight(evening, tc.now).String(); got != tc.want {
			t.Errorf("Tonight(%v) with 18:00–23:00 = %s, want %s", tc.now, got, tc.want)
		}
	}
}

// ward is the in-memory ward the target tests plan over: every study cell but two visited on
// some night of the look-back, an incident in one of the two, and a key area below its
// requirement.
type ward struct {
	db            *apptest.Store
	risky, plain  h3.Cell // the two never-patrolled cells; risky holds an incident
	office, keyAr patrol.Area
}

func newWard(t *testing.T) ward {
	t.Helper()
	study := apptest.StudyCells()
	w := ward{db: &apptest.Store{}, risky: study[3], plain: study[len(study)-4]}
	for i, c := range study {
		if c != w.risky && c != w.plain {
			w.db.Visits = append(w.db.Visits, apptest.VisitOn(c, geo.Date{Year: 2024, Month: 3, Day: 1 + i%7}))
		}
	}
	w.db.Incidents = []patrol.Incident{apptest.IncidentAt(w.risky, 5, patrol.StatusOpen, time.Date(2024, 2, 1, 12, 0, 0, 0, apptest.HCM))}
	officeAt, _ := geo.CellCentre(study[len(study)/2])
	w.office = patrol.Area{ID: 1, Name: "Trụ sở Công an phường", Kind: patrol.KindKeyArea, RequiredNightVisits: 0,
		Geometry: apptest.GeoJSON(square(officeAt, 0.0002))}
	marketAt, _ := geo.CellCentre(study[0])
	w.keyAr = patrol.Area{ID: 2, Name: "Chợ", Kind: patrol.KindKeyArea, RequiredNightVisits: 3, MinDwellMin: 10,
		Geometry: apptest.GeoJSON(square(marketAt, 0.0002))}
	w.db.Areas = []patrol.Area{w.office, w.keyAr}
	return w
}

func square(c orb.Point, d float64) orb.Polygon {
	return orb.Polygon{{{c[0] - d, c[1] - d}, {c[0] + d, c[1] - d}, {c[0] + d, c[1] + d}, {c[0] - d, c[1] + d}, {c[0] - d, c[1] - d}}}
}

func kinds(p *planning.Plan) []string {
	var out []string
	for _, st := range p.Stops {
		out = append(out, st.Kind)
	}
	return out
}

func TestSuggestTargets(t *testing.T) {
	tests := []struct {
		name    string
		req     func(r planning.Request) planning.Request
		network bool
		check   func(t *testing.T, w ward, p *planning.Plan)
	}{
		{name: "from the office through the key area below its requirement and both gaps, riskiest first offered", check: func(t *testing.T, w ward, p *planning.Plan) {
			if p.Routing != "straight" || p.Stops[0].Kind != planning.StopStart || p.Stops[0].Name("vi") != w.office.Name {
				t.Fatalf("routing %s, start %q", p.Routing, p.Stops[0].Name("vi"))
			}
			if p.Considered != 3 || p.Dropped != 0 || len(p.Stops) != 5 {
				t.Fatalf("considered %d, dropped %d, stops %v", p.Considered, p.Dropped, kinds(p))
			}
			if p.Gaps.Cells[0].Cell != w.risky || p.Gain.GapCells != 2 || p.Gain.GapCellsCovered != 2 || p.Gain.KeyAreasCovered != 1 {
				t.Fatalf("gaps %v, gain %+v", p.Gaps.Cells, p.Gain)
			}
			if last := p.Stops[len(p.Stops)-1]; last.Point != p.Stops[0].Point {
				t.Fatalf("the tour does not close: ends at %v", last.Point)
			}
			var dwell int
			for _, st := range p.Stops {
				if st.Kind == planning.StopKeyArea {
					dwell = st.Dwell
				}
			}
			if dwell < 10 || dwell > 16 || p.DwellMin != dwell+2*geo.GapDwellMin {
				t.Fatalf("key-area dwell %d, total %d", dwell, p.DwellMin)
			}
		}},
		{name: "one target: the riskiest gap cell", req: func(r planning.Request) planning.Request { r.Targets = 1; return r },
			check: func(t *testing.T, w ward, p *planning.Plan) {
				if p.Considered != 2 || !slices.ContainsFunc(p.Stops, func(st planning.Stop) bool { return st.Cell == w.risky }) ||
					slices.ContainsFunc(p.Stops, func(st planning.Stop) bool { return st.Cell == w.plain }) {
					t.Fatalf("stops %v", kinds(p))
				}
			}},
		{name: "a given start replaces the office, which then is no target", req: func(r planning.Request) planning.Request {
			r.Start = &orb.Point{105.8501, 21.4701}
			return r
		}, check: func(t *testing.T, w ward, p *planning.Plan) {
			if p.Stops[0].Area != nil || p.Stops[0].Name("vi") != "Điểm xuất phát" || p.Stops[0].Point != (orb.Point{105.8501, 21.4701}) {
				t.Fatalf("start %+v", p.Stops[0])
			}
		}},
		{name: "a short limit leaves targets out but stays under it", req: func(r planning.Request) planning.Request { r.MaxKm = 0.2; return r },
			check: func(t *testing.T, w ward, p *planning.Plan) {
				if p.Dropped == 0 || p.LengthM > 200+1e-6 {
					t.Fatalf("dropped %d, length %.0f m", p.Dropped, p.LengthM)
				}
			}},
		{name: "with roads: gap cells no road passes through are off road", network: true, check: func(t *testing.T, w ward, p *planning.Plan) {
			if p.Routing != "pgrouting" || p.OffRoad != 1 {
				t.Fatalf("routing %s, off road %d", p.Routing, p.OffRoad)
			}
			i := slices.IndexFunc(p.Stops, func(st planning.Stop) bool { return st.Cell == w.risky })
			if i < 0 || p.Stops[i].Road != "Đường Một" || !p.Stops[i].OnRoad || !p.Stops[i].Snapped {
				t.Fatalf("the risky cell's stop: %+v", p.Stops)
			}
			if p.StraightLegs() != 0 {
				t.Fatalf("%d straight legs along roads", p.StraightLegs())
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWard(t)
			if tc.network {
				// One road from the office through the risky cell; the graph's nodes are its ends
				// and the points where it crosses the targets.
				office, _ := geo.CellCentre(apptest.StudyCells()[len(apptest.StudyCells())/2])
				risky, _ := geo.CellCentre(w.risky)
				market, _ := geo.CellCentre(apptest.StudyCells()[0])
				w.db.Roads = []patrol.Road{{Name: "Đường Một", Geometry: apptest.GeoJSON(orb.LineString{office, risky, market})}}
				w.db.Network = patrol.RoadNetwork{Roads: 1, Nodes: 3, Edges: 2, Routing: true}
				w.db.Nodes = []orb.Point{office, risky, market}
			}
			req := planning.Request{LookBack: lookBack(t, 7), MaxKm: planning.DefaultMaxKm, Targets: planning.DefaultTargets}
			if tc.req != nil {
				req = tc.req(req)
			}
			p, err := planning.Suggest(context.Background(), w.db, apptest.Unit(), req, afterNight)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(p.LengthM-geo.RouteLength(legLines(p))) > 1e-6 {
				t.Fatalf("length %.1f is not the legs' sum", p.LengthM)
			}
			tc.check(t, w, p)
		})
	}
}

func legLines(p *planning.Plan) orb.MultiLineString {
	var out orb.MultiLineString
	for _, l := range p.Legs {
		out = append(out, l.Line)
	}
	return out
}

func TestSuggestRefuses(t *testing.T) {
	tests := []struct {
		name  string
		req   func(r planning.Request) planning.Request
		unit  func(u patrol.Unit) patrol.Unit
		field string
	}{
		{"max_km too short", func(r planning.Request) planning.Request { r.MaxKm = 0.1; return r }, nil, "max_km"},
		{"max_km NaN", func(r planning.Request) planning.Request { r.MaxKm = math.NaN(); return r }, nil, "max_km"},
		{"no targets", func(r planning.Request) planning.Request { r.Targets = 0; return r }, nil, "targets"},
		{"a unit at resolution 12 is not planned at another", nil, func(u patrol.Unit) patrol.Unit { u.H3Res = 12; return u }, "unit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := planning.Request{LookBack: lookBack(t, 7), MaxKm: planning.DefaultMaxKm, Targets: planning.DefaultTargets}
			u := apptest.Unit()
			if tc.req != nil {
				req = tc.req(req)
			}
			if tc.unit != nil {
				u = tc.unit(u)
			}
			var fe *patrol.FieldError
			if _, err := planning.Suggest(context.Background(), newWard(t).db, u, req, afterNight); !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("err %v, want one naming %s", err, tc.field)
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	w := newWard(t)
	risky, _ := geo.CellCentre(w.risky)
	plain, _ := geo.CellCentre(w.plain)
	tests := []struct {
		name    string
		line    orb.LineString
		covered int
	}{
		{"a route through both gap cells covers both", orb.LineString{risky, plain}, 2},
		{"a short route in the risky cell covers it alone", orb.LineString{risky, {risky[0] + 0.00001, risky[1]}}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := planning.Evaluate(context.Background(), w.db, apptest.Unit(), lookBack(t, 7), orb.MultiLineString{tc.line}, afterNight)
			if err != nil {
				t.Fatal(err)
			}
			if e.Gain.GapCells != 2 || e.Gain.GapCellsCovered != tc.covered || len(e.GapCells) != tc.covered || e.GapCells[0].Cell != w.risky {
				t.Fatalf("gain %+v, cells %v", e.Gain, e.GapCells)
			}
			if e.LengthM <= 0 || e.Gain.CoveredAfter != e.Gain.CoveredBefore+tc.covered {
				t.Fatalf("length %.1f, gain %+v", e.LengthM, e.Gain)
			}
		})
	}
}
