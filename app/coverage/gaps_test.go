package coverage_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/app/apptest"
	"github.com/patrolmap/patrolmap/app/coverage"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/report"
)

// nights1to4 is the three nights of 1, 2 and 3 March 2024.
func nights1to4(*testing.T) geo.Period { return apptest.Nights("2024-03-01", "2024-03-04") }

func testUnit(*testing.T) patrol.Unit { return apptest.Unit() }

// visitOn is a pass through cell on the night of day d of March 2024.
func visitOn(cell h3.Cell, d int) geo.CellVisit {
	return apptest.VisitOn(cell, geo.Date{Year: 2024, Month: 3, Day: d})
}

func studyOf(t *testing.T) []h3.Cell {
	t.Helper()
	cells := apptest.StudyCells()
	if len(cells) < 8 {
		t.Fatalf("%d study cells", len(cells))
	}
	return cells
}

var hcm = apptest.HCM

// afterMarch is a clock reading after every night of the tests' March 2024 periods.
var afterMarch = time.Date(2024, 4, 1, 12, 0, 0, 0, hcm)

func cellGap(g *coverage.Gaps, c h3.Cell) *coverage.CellGap {
	for i := range g.Cells {
		if g.Cells[i].Cell == c {
			return &g.Cells[i]
		}
	}
	return nil
}

func TestFindGaps(t *testing.T) {
	study := studyOf(t)
	a, b := study[0], study[len(study)/2]
	ring, err := h3.GridDisk(b, 1)
	if err != nil {
		t.Fatal(err)
	}
	neighbour := ring[1]
	tests := []struct {
		name      string
		Visits    []geo.CellVisit
		Incidents []patrol.Incident
		minNights int
		check     func(t *testing.T, g *coverage.Gaps)
	}{
		{name: "never visited: every study cell is a gap of risk 1", minNights: 1, check: func(t *testing.T, g *coverage.Gaps) {
			if len(g.Cells) != len(study) || g.CoveredCells() != 0 {
				t.Fatalf("gaps %d of %d study cells, covered %d", len(g.Cells), len(study), g.CoveredCells())
			}
			for _, c := range g.Cells {
				if c.Nights != 0 || c.Risk != 1 {
					t.Fatalf("cell %s: nights %d risk %v", c.Cell, c.Nights, c.Risk)
				}
			}
		}},
		{name: "a cell visited on one night is no gap at min_nights 1", minNights: 1, Visits: []geo.CellVisit{visitOn(a, 2)},
			check: func(t *testing.T, g *coverage.Gaps) {
				if cellGap(g, a) != nil || len(g.Cells) != len(study)-1 || g.CoveredCells() != 1 {
					t.Fatalf("visited cell is a gap or count wrong: %d gaps", len(g.Cells))
				}
			}},
		{name: "visited on 2 of 3 nights is a gap at min_nights 3 with shortfall 1/3", minNights: 3,
			Visits: []geo.CellVisit{visitOn(a, 1), visitOn(a, 3)},
			check: func(t *testing.T, g *coverage.Gaps) {
				c := cellGap(g, a)
				if c == nil || c.Nights != 2 || math.Abs(c.Risk-1.0/3) > 1e-12 {
					t.Fatalf("cell a: %+v", c)
				}
				if len(g.Cells) != len(study) {
					t.Fatalf("%d gaps, want every study cell", len(g.Cells))
				}
				if r := g.Reason(coverage.Gap{Cell: c}, report.LangEN); !strings.HasPrefix(r, "visited on 2 of 3 nights, fewer than 3") {
					t.Fatalf("reason %q", r)
				}
			}},
		{name: "a visit outside the period does not count", minNights: 1, Visits: []geo.CellVisit{visitOn(a, 5)},
			check: func(t *testing.T, g *coverage.Gaps) {
				if cellGap(g, a) == nil {
					t.Fatal("a cell visited after the period is no gap")
				}
			}},
		{name: "incidents weigh in the cell and half around it; void and old ones count nothing", minNights: 1,
			Incidents: []patrol.Incident{
				apptest.IncidentAt(b, 4, patrol.StatusOpen, time.Date(2024, 2, 1, 12, 0, 0, 0, hcm)),
				apptest.IncidentAt(b, 5, patrol.StatusVoid, time.Date(2024, 2, 1, 12, 0, 0, 0, hcm)),
				apptest.IncidentAt(b, 5, patrol.StatusOpen, time.Date(2023, 1, 1, 12, 0, 0, 0, hcm)), // before the 12 months
			},
			check: func(t *testing.T, g *coverage.Gaps) {
				c := cellGap(g, b)
				if c == nil || c.In != (coverage.Incidents{Count: 1, Severity: 4}) || c.Risk != 5 {
					t.Fatalf("cell b: %+v", c)
				}
				if g.Cells[0].Cell != b {
					t.Fatalf("the riskiest gap is %s, want %s", g.Cells[0].Cell, b)
				}
				if n := cellGap(g, neighbour); n == nil || n.Near.Severity != 4 || n.Risk != 3 {
					t.Fatalf("neighbour: %+v", n)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := &apptest.Store{Visits: tc.Visits, Incidents: tc.Incidents}
			g, err := coverage.FindGaps(context.Background(), db, testUnit(t), nights1to4(t), tc.minNights, afterMarch)
			if err != nil {
				t.Fatal(err)
			}
			if len(g.Nights) != 3 || g.Res != 10 || g.MinNights != tc.minNights {
				t.Fatalf("nights %d res %d min %d", len(g.Nights), g.Res, g.MinNights)
			}
			for i := 1; i < len(g.Cells); i++ {
				if g.Cells[i].Risk > g.Cells[i-1].Risk {
					t.Fatalf("cells not ranked by risk at %d", i)
				}
			}
			tc.check(t, g)
		})
	}
}

func TestFindGapsRefuses(t *testing.T) {
	tests := []struct {
		name      string
		unit      func(u patrol.Unit) patrol.Unit
		minNights int
		field     string
		kind      error
	}{
		{"no boundary", func(u patrol.Unit) patrol.Unit { u.Boundary = nil; return u }, 1, "unit", patrol.ErrConflict},
		{"a stored boundary that cannot be used", func(u patrol.Unit) patrol.Unit {
			u.Boundary = []byte(`{"type":"Polygon","coordinates":[[[105.85,21.47],[105.86,91],[105.86,21.48],[105.85,21.47]]]}`)
			return u
		}, 1, "boundary", patrol.ErrConflict},
		{"resolution 7", func(u patrol.Unit) patrol.Unit { u.H3Res = 7; return u }, 1, "unit", patrol.ErrUnprocessable},
		{"resolution 0 (unset) has no fallback", func(u patrol.Unit) patrol.Unit { u.H3Res = 0; return u }, 1, "unit", patrol.ErrUnprocessable},
		{"min_nights 0", func(u patrol.Unit) patrol.Unit { return u }, 0, "min_nights", patrol.ErrInvalid},
		{"min_nights too large", func(u patrol.Unit) patrol.Unit { return u }, coverage.MaxMinNights + 1, "min_nights", patrol.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := &apptest.Store{}
			_, err := coverage.FindGaps(context.Background(), db, tc.unit(testUnit(t)), nights1to4(t), tc.minNights, afterMarch)
			var fe *patrol.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, tc.kind) {
				t.Fatalf("err = %v, want a %v naming %s", err, tc.kind, tc.field)
			}
			if db.Calls != 0 {
				t.Fatal("a refused request read coverage")
			}
		})
	}
}

func TestKeyAreasInTheGapModel(t *testing.T) {
	study := studyOf(t)
	c := study[len(study)/2]
	poly, err := geo.CellPolygon(c)
	if err != nil {
		t.Fatal(err)
	}
	// Shrink the hexagon towards its centre so the area holds that one cell only.
	centre, _ := geo.CellCentre(c)
	for i, p := range poly[0] {
		poly[0][i] = orb.Point{centre[0] + (p[0]-centre[0])*0.3, centre[1] + (p[1]-centre[1])*0.3}
	}
	raw, _ := json.Marshal(geojson.NewGeometry(poly))
	areas := []patrol.Area{
		{ID: 7, Name: "Chợ", Kind: patrol.KindKeyArea, Geometry: raw, RequiredNightVisits: 1},
		{ID: 8, Name: "Tổ 3", Kind: patrol.KindResidentialGroup, Geometry: raw, RequiredNightVisits: 1},
	}
	db := &apptest.Store{Areas: areas, Visits: []geo.CellVisit{visitOn(c, 1), visitOn(c, 2)}}
	g, err := coverage.FindGaps(context.Background(), db, testUnit(t), nights1to4(t), 3, afterMarch)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Areas) != 1 {
		t.Fatalf("%d key areas, want 1 (a residential group is none)", len(g.Areas))
	}
	a := &g.Areas[0]
	if !a.Below() || a.Met != 2 || len(a.Nights) != 3 || !a.Nights[0].Meets || a.Nights[2].Meets {
		t.Fatalf("area: met %d of %d, below %v", a.Met, len(a.Nights), a.Below())
	}
	if pct, ok := a.Percent(); !ok || math.Abs(pct-200.0/3) > 1e-9 {
		t.Fatalf("percent %v %v", pct, ok)
	}
	if want := geo.GapRisk(1.0/3, 0, 0, 1); a.Risk != want {
		t.Fatalf("area risk %v, want %v", a.Risk, want)
	}
	cg := cellGap(g, c)
	if cg == nil || !slices.Equal(cg.KeyAreas, []string{"Chợ"}) || cg.Risk != geo.GapRisk(1.0/3, 0, 0, 1) {
		t.Fatalf("the area's cell: %+v", cg)
	}
	// The joint ranking: the area (risk 2) ties its own cell; areas come first.
	ranked := g.Ranked()
	if len(ranked) != len(g.Cells)+1 || ranked[0].Area == nil || ranked[1].Cell == nil || ranked[1].Cell.Cell != c {
		t.Fatalf("ranking starts %+v %+v", ranked[0], ranked[1])
	}
	if r := g.Reason(ranked[0], report.LangEN); !strings.HasPrefix(r, "key area Chợ below its requirement of 1 visit a night on 1 of 3 judged nights (met on 2); no incidents") {
		t.Fatalf("reason %q", r)
	}

	// Compliance reads only the areas' cells and answers the same nights.
	db.Calls = 0
	list, warnings, err := coverage.Compliance(context.Background(), db, testUnit(t), nights1to4(t), afterMarch)
	if err != nil || len(warnings) != 0 || len(list) != 1 || list[0].Met != 2 || db.Calls != 1 {
		t.Fatalf("compliance: %+v %v (calls %d)", list, err, db.Calls)
	}
}

func TestAreaWithBadGeometryIsLeftOut(t *testing.T) {
	good, _ := json.Marshal(geojson.NewGeometry(orb.LineString{{105.851, 21.471}, {105.855, 21.475}}))
	areas := []patrol.Area{
		{ID: 1, Name: "Đường A", Kind: patrol.KindKeyRoad, Geometry: good, BufferM: 25, RequiredNightVisits: 1},
		{ID: 2, Name: "Poisoned", Kind: patrol.KindKeyArea, Geometry: []byte(`{"type":"Polygon","coordinates":[[[1e308,1e308],[1,1],[2,2],[1e308,1e308]]]}`), RequiredNightVisits: 1},
	}
	db := &apptest.Store{Areas: areas}
	g, err := coverage.FindGaps(context.Background(), db, testUnit(t), nights1to4(t), 1, afterMarch)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Areas) != 1 || g.Areas[0].Area.ID != 1 || !slices.Equal(g.LeftOut, []string{"Poisoned"}) ||
		len(g.Warnings) != 1 || !strings.Contains(g.Warnings[0], `area 2 ("Poisoned") was left out`) {
		t.Fatalf("areas %d, left out %q, warnings %q", len(g.Areas), g.LeftOut, g.Warnings)
	}
	list, warnings, err := coverage.Compliance(context.Background(), db, testUnit(t), nights1to4(t), afterMarch)
	if err != nil || len(list) != 1 || len(warnings) != 1 {
		t.Fatalf("compliance: %d areas, warnings %q, %v", len(list), warnings, err)
	}
}
