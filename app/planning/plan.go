// Package planning suggests and evaluates night patrol routes: which targets a route should
// serve (key areas due a visit, the riskiest cells never patrolled), in which order under a
// length limit, along the roads when pgRouting is there, and what a route adds to the coverage.
// Its gaps are app/coverage's, at min_nights 1, judged at the clock's reading it is given: a key
// area is due when it missed a judged night of the look-back or a night of it is still open (not
// over, not met yet — tonight's, once the look-back runs into tonight), which is not called
// missed.
package planning

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/app/coverage"
	"github.com/patrolmap/patrolmap/app/unit"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// Store is the storage planning reads: coverage's, the roads and the routable road graph.
type Store interface {
	coverage.Store
	ListRoads(ctx context.Context, unitID int) ([]patrol.Road, error)
	// RoadNetwork returns the routable graph of a unit's roads, rebuilding it first when the
	// roads changed since it was built; Routing says whether pgRouting is there to use it.
	RoadNetwork(ctx context.Context, unitID int) (patrol.RoadNetwork, error)
	// SnapToRoads returns the graph node nearest to each point.
	SnapToRoads(ctx context.Context, unitID int, pts []orb.Point) ([]geo.RoadSnap, error)
	// RoadDistances returns the road distances in metres between nodes (+Inf: not joined).
	RoadDistances(ctx context.Context, unitID int, nodes []int64) ([][]float64, error)
	// RoadPaths returns the road path of each leg (nil when the ends are one node or not joined).
	RoadPaths(ctx context.Context, unitID int, legs [][2]int64) ([]orb.LineString, error)
}

// Planning defaults and limits.
const (
	DefaultNights  = 14  // nights of coverage looked back on
	MaxNights      = 120 //
	DefaultMaxKm   = 8.0 // route length limit
	MinKm          = 0.2 //
	MaxKm          = 60.0
	DefaultTargets = 40       // candidate gap cells offered to the tour heuristic
	MaxTargets     = 120      //
	startName      = "trụ sở" // a key area whose name holds this is the default start
)

// LookBack is the night a route is planned for and the nights before it whose gaps it closes.
type LookBack struct {
	Night  geo.Date
	Nights int
	Period geo.Period // the nights [Night − Nights, Night)
}

// GapsFrom and GapsTo are the look-back as GET /api/v1/gaps takes it (from, to).
func (l LookBack) GapsFrom() geo.Date { return l.Night.AddDays(-l.Nights) }

// GapsTo is the end of the look-back: the planned night itself, excluded.
func (l LookBack) GapsTo() geo.Date { return l.Night }

// Tonight returns the night a plan is for by default: the night in progress at now or, by
// day, the coming one.
func Tonight(u patrol.Unit, now time.Time) geo.Date {
	loc, nw := unit.Location(u), unit.NightWindow(u)
	if night, ok := nw.NightOf(now, loc); ok {
		return night
	}
	return geo.DateOf(now, loc)
}

// LookBackOf returns the look-back of nights nights before night (1 to MaxNights).
func LookBackOf(u patrol.Unit, night geo.Date, nights int) (LookBack, error) {
	if nights < 1 || nights > MaxNights {
		return LookBack{}, patrol.Invalid("nights", fmt.Sprintf("must be an integer from %d to %d", 1, MaxNights))
	}
	p, err := geo.ParsePeriod(night.AddDays(-nights).String(), night.String(), unit.Location(u), geo.WindowNight, unit.NightWindow(u))
	if err != nil {
		return LookBack{}, patrol.Invalid("night", err.Error())
	}
	return LookBack{Night: night, Nights: nights, Period: p}, nil
}

// Gaps returns the gaps a route over l closes: app/coverage's model at min_nights 1, its key
// areas' nights judged as of now.
func Gaps(ctx context.Context, db coverage.Store, u patrol.Unit, l LookBack, now time.Time) (*coverage.Gaps, error) {
	g, err := coverage.FindGaps(ctx, db, u, l.Period, 1, now)
	if err != nil {
		return nil, fmt.Errorf("plan gaps of the night of %s: %w", l.Night, err)
	}
	return g, nil
}

// Due reports whether key area a still needs a visit over the look-back: it missed a judged night
// (coverage.KeyArea.Below) or a night of it is still open, not over and not met yet
// (coverage.OpenAt) — a night to patrol, not a missed one.
func Due(a *coverage.KeyArea) bool { return a.Below() || a.Open > 0 }

// duePrize is what visiting a due key area is worth to the tour: geo.GapRisk over the share of
// the look-back's nights it still lacks (missed or open), its incidents and its membership.
func duePrize(a *coverage.KeyArea) float64 {
	if !Due(a) || len(a.Nights) == 0 {
		return 0
	}
	lacking := float64(a.Missed()+a.Open) / float64(len(a.Nights))
	return geo.GapRisk(lacking, a.In.Severity, a.Near.Severity, 1)
}

// Gain says what a route adds to the coverage of the look-back.
type Gain struct {
	StudyCells      int     `json:"study_cells"`
	CoveredBefore   int     `json:"covered_before"`
	CoveredAfter    int     `json:"covered_after"`
	PercentBefore   float64 `json:"percent_before"`
	PercentAfter    float64 `json:"percent_after"`
	GapCells        int     `json:"gap_cells"`
	GapCellsCovered int     `json:"gap_cells_covered"`
	GapRiskCovered  float64 `json:"gap_risk_covered"`
	KeyAreasBelow   int     `json:"key_areas_below"`   // missed a judged night of the look-back, as /gaps lists them
	KeyAreasOpen    int     `json:"key_areas_open"`    // with a night of the look-back still open: not over, not met yet, not judged
	KeyAreasDue     int     `json:"key_areas_due"`     // due a visit (Due): below or open
	KeyAreasCovered int     `json:"key_areas_covered"` // due key areas the route reaches
}

// GainOf returns what a route through cells adds to g, the gap cells it covers (highest risk
// first) and the key areas it reaches: those it passes through and the stops among them. Key
// areas are counted below, open and due as Due tells; the route covers the due ones it reaches.
func GainOf(g *coverage.Gaps, cells []h3.Cell, stops ...*coverage.KeyArea) (Gain, []*coverage.CellGap, []*coverage.KeyArea) {
	on := make(map[h3.Cell]bool, len(cells))
	for _, c := range cells {
		on[c] = true
	}
	out := Gain{StudyCells: len(g.Study), GapCells: len(g.Cells)}
	for _, c := range g.Study {
		if g.Visited[c] > 0 {
			out.CoveredBefore++
			out.CoveredAfter++
		} else if on[c] {
			out.CoveredAfter++
		}
	}
	var gaps []*coverage.CellGap
	for i := range g.Cells {
		if on[g.Cells[i].Cell] {
			gaps = append(gaps, &g.Cells[i])
			out.GapRiskCovered += g.Cells[i].Risk
		}
	}
	out.GapCellsCovered = len(gaps)
	out.GapRiskCovered = math.Round(out.GapRiskCovered*100) / 100
	var areas []*coverage.KeyArea
	for i := range g.Areas {
		ar := &g.Areas[i]
		if ar.Below() {
			out.KeyAreasBelow++
		}
		if ar.Open > 0 {
			out.KeyAreasOpen++
		}
		if Due(ar) {
			out.KeyAreasDue++
		}
		if slices.Contains(stops, ar) || slices.ContainsFunc(ar.Cells, func(c h3.Cell) bool { return on[c] }) {
			areas = append(areas, ar)
			if Due(ar) {
				out.KeyAreasCovered++
			}
		}
	}
	if out.StudyCells > 0 {
		out.PercentBefore = math.Round(1000*float64(out.CoveredBefore)/float64(out.StudyCells)) / 10
		out.PercentAfter = math.Round(1000*float64(out.CoveredAfter)/float64(out.StudyCells)) / 10
	}
	return out, gaps, areas
}

// Stop kinds.
const (
	StopStart   = "start"
	StopGap     = "gap"
	StopKeyArea = "key_area"
)

// Stop is one stop of a planned route.
type Stop struct {
	Kind    string    // StopStart, StopGap or StopKeyArea
	Point   orb.Point // where the route stops: the road node when snapped
	Target  orb.Point // the cell centre or area point the stop serves (on a road when there is one)
	Cell    h3.Cell
	Area    *coverage.KeyArea
	Gap     *coverage.CellGap
	Prize   float64
	Dwell   int // suggested minutes
	Snap    geo.RoadSnap
	Snapped bool
	OnRoad  bool   // Target is a point of a road inside the cell or area
	Road    string // the name of the road the target lies on
}

// areaPoint is where a stop serves an area: its centroid for a polygon, the middle of a line.
func areaPoint(g orb.Geometry) orb.Point {
	switch g := g.(type) {
	case orb.LineString:
		pt, _ := orbgeo.PointAtDistanceAlongLine(g, orbgeo.LengthHaversine(g)/2)
		return pt
	case orb.MultiLineString:
		if len(g) > 0 {
			return areaPoint(g[0])
		}
	case orb.Polygon, orb.MultiPolygon:
		c, _ := planar.CentroidArea(g)
		return c
	}
	return g.Bound().Center()
}

// startStop returns the start: the given point, else the key area whose name holds "Trụ sở"
// (the ward police office), else the centre of the boundary.
func startStop(g *coverage.Gaps, at *orb.Point) Stop {
	if at != nil {
		return Stop{Kind: StopStart, Point: *at, Target: *at}
	}
	for i := range g.Areas {
		if strings.Contains(strings.ToLower(g.Areas[i].Area.Name), startName) {
			pt := areaPoint(g.Areas[i].Geom)
			return Stop{Kind: StopStart, Point: pt, Target: pt, Area: &g.Areas[i]}
		}
	}
	pt := g.Boundary.Bound().Center()
	switch b := g.Boundary.(type) {
	case orb.MultiPolygon:
		pt, _ = planar.CentroidArea(b)
	case orb.Polygon:
		pt, _ = planar.CentroidArea(b)
	}
	return Stop{Kind: StopStart, Point: pt, Target: pt}
}
