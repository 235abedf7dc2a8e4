// Package planning suggests and evaluates night patrol routes: which targets a route should
// serve (key areas due a visit on the planned night, the riskiest cells never patrolled), in which
// order under a length limit, along the roads when pgRouting is there, and what a route adds to
// the coverage.
//
// The rule for the key areas. A plan is for one night (by default the night in progress, or by
// day the coming one) as of the clock's reading now, which the caller passes. Every key area owes
// its required_night_visits on every night, the planned one included, so:
//
//   - a key area is due a visit — a target of the route — when the planned night has not met its
//     requirement as of now: nothing done yet because the night has not begun (planning by day),
//     still pending or overdue while the night runs, or missed once it is over;
//   - a key area that has met its requirement on the planned night (visited enough, each visit
//     long enough) is done: no target, however its past nights went, and the plan says so;
//   - the nights before (the look-back) weigh the targets: a key area that missed judged nights
//     before is worth more to the tour than one met every night.
//
// Met, pending, overdue and missed are the night board's statuses (night.AreaStatus over the
// visits app/coverage counts on the planned night), so the plan and GET /api/v1/night agree for
// the same unit, night and instant. The plan's gaps are app/coverage's at min_nights 1 over the
// look-back and the planned night so far, judged at now as /gaps, /compliance and the report
// judge them: a night not over and not met yet is open, not missed (coverage.OpenAt); a cell
// patrolled earlier in the planned night is not a gap.
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
	"github.com/patrolmap/patrolmap/app/night"
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

// LookBack is the night a route is planned for, the nights before it whose gaps it closes, and
// the coverage period: those nights and the planned night itself, so that the planned night's
// visits so far count.
type LookBack struct {
	Night  geo.Date
	Nights int
	Period geo.Period // the nights [Night − Nights, Night], the planned night included
}

// GapsFrom and GapsTo are the coverage period as GET /api/v1/gaps takes it (from, to).
func (l LookBack) GapsFrom() geo.Date { return l.Night.AddDays(-l.Nights) }

// GapsTo is the end of the coverage period: the day after the planned night (excluded), so the
// planned night is its last.
func (l LookBack) GapsTo() geo.Date { return l.Night.AddDays(1) }

// Tonight returns the night a plan is for by default: the night in progress at now or, between
// nights, the coming one — the night board's night (night.Of), so that the plan and the board
// asked for no night speak of the same one.
func Tonight(u patrol.Unit, now time.Time) geo.Date { return night.Of(u, now) }

// LookBackOf returns the look-back of nights nights before the night of d (1 to MaxNights),
// with that night.
func LookBackOf(u patrol.Unit, d geo.Date, nights int) (LookBack, error) {
	if nights < 1 || nights > MaxNights {
		return LookBack{}, patrol.Invalid("nights", fmt.Sprintf("must be an integer from %d to %d", 1, MaxNights))
	}
	p, err := geo.ParsePeriod(d.AddDays(-nights).String(), d.AddDays(1).String(), unit.Location(u), geo.WindowNight, unit.NightWindow(u))
	if err != nil {
		return LookBack{}, patrol.Invalid("night", err.Error())
	}
	return LookBack{Night: d, Nights: nights, Period: p}, nil
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

// AreaTonight is one key area on the planned night as of the plan's clock.
type AreaTonight struct {
	Area       *coverage.KeyArea
	Visits     int          // visits counted on the planned night so far (coverage's count)
	Required   int          // its required_night_visits
	Status     night.Status // met, pending, overdue or missed: night.AreaStatus, as the night board says
	Deadline   string       // "HH:MM", "" when none
	DeadlineAt time.Time    // zero when none
}

// Due reports whether the area is due a visit on the planned night: its requirement is not met
// there as of the clock (pending, overdue, or missed once the night is over).
func (a AreaTonight) Due() bool { return a.Status != night.StatusMet }

// NightSoFar is the planned night as of the plan's clock: whether it has begun or is over, and
// where each key area stands on it.
type NightSoFar struct {
	Night   geo.Date
	AsOf    time.Time
	Period  geo.Period    // the planned night
	Areas   []AreaTonight // one per key area of the gaps, in their order
	byArea  map[*coverage.KeyArea]int
	started bool
}

// Night states of a plan.
const (
	NightAhead      = "ahead"       // the planned night has not begun at the clock's reading
	NightInProgress = "in_progress" // it runs
	NightOver       = "over"        // it has ended
)

// State returns NightAhead, NightInProgress or NightOver.
func (n *NightSoFar) State() string {
	switch {
	case !n.AsOf.Before(n.Period.To):
		return NightOver
	case n.started:
		return NightInProgress
	}
	return NightAhead
}

// Of returns where key area a (one of the gaps' areas) stands on the planned night.
func (n *NightSoFar) Of(a *coverage.KeyArea) AreaTonight {
	if i, ok := n.byArea[a]; ok {
		return n.Areas[i]
	}
	return AreaTonight{Area: a}
}

// Count returns how many key areas have status s on the planned night.
func (n *NightSoFar) Count(s night.Status) int {
	k := 0
	for _, a := range n.Areas {
		if a.Status == s {
			k++
		}
	}
	return k
}

// Due returns how many key areas are due a visit on the planned night.
func (n *NightSoFar) Due() int { return len(n.Areas) - n.Count(night.StatusMet) }

// NightOf returns the planned night of l as of now for the key areas of g (found over l): each
// area's visits there so far, as coverage counted them, judged with the night board's rule.
func NightOf(u patrol.Unit, g *coverage.Gaps, l LookBack, now time.Time) *NightSoFar {
	loc, nw := unit.Location(u), unit.NightWindow(u)
	out := &NightSoFar{Night: l.Night, AsOf: now, Period: nw.Night(l.Night, loc), byArea: map[*coverage.KeyArea]int{}}
	out.started = !now.Before(out.Period.From)
	for i := range g.Areas {
		a := &g.Areas[i]
		at := AreaTonight{Area: a, Required: a.Area.RequiredNightVisits}
		for _, n := range a.Nights {
			if n.Date == l.Night {
				at.Visits = n.Visits
			}
		}
		at.Status, at.Deadline, at.DeadlineAt = night.AreaStatus(u, a.Area, l.Night, at.Visits, now)
		out.byArea[a] = len(out.Areas)
		out.Areas = append(out.Areas, at)
	}
	return out
}

// duePrize is what visiting a key area due on the planned night is worth to the tour:
// geo.GapRisk over the share of the period's nights it lacks (the planned night, and the nights
// before it missed or open), its incidents and its membership.
func duePrize(a AreaTonight) float64 {
	if !a.Due() || len(a.Area.Nights) == 0 {
		return 0
	}
	lacking := float64(a.Area.Missed()+a.Area.Open) / float64(len(a.Area.Nights))
	return geo.GapRisk(lacking, a.Area.In.Severity, a.Area.Near.Severity, 1)
}

// Gain says what a route adds to the coverage of the look-back and the planned night.
type Gain struct {
	StudyCells      int     `json:"study_cells"`
	CoveredBefore   int     `json:"covered_before"`
	CoveredAfter    int     `json:"covered_after"`
	PercentBefore   float64 `json:"percent_before"`
	PercentAfter    float64 `json:"percent_after"`
	GapCells        int     `json:"gap_cells"`
	GapCellsCovered int     `json:"gap_cells_covered"`
	GapRiskCovered  float64 `json:"gap_risk_covered"`
	KeyAreasBelow   int     `json:"key_areas_below"`   // missed a judged night of the period, as /gaps lists them
	KeyAreasOpen    int     `json:"key_areas_open"`    // with a night of the period still open: not over, not met yet, not judged
	KeyAreasDue     int     `json:"key_areas_due"`     // due a visit on the planned night (AreaTonight.Due)
	KeyAreasCovered int     `json:"key_areas_covered"` // due key areas the route reaches
	KeyAreasMet     int     `json:"key_areas_met"`     // met on the planned night already: done, no target
}

// GainOf returns what a route through cells adds to g, the gap cells it covers (highest risk
// first) and the key areas it reaches: those it passes through and the stops among them. Key
// areas are counted below and open over the period, due and met on the planned night (tonight);
// the route covers the due ones it reaches.
func GainOf(g *coverage.Gaps, tonight *NightSoFar, cells []h3.Cell, stops ...*coverage.KeyArea) (Gain, []*coverage.CellGap, []*coverage.KeyArea) {
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
		due := tonight.Of(ar).Due()
		if ar.Below() {
			out.KeyAreasBelow++
		}
		if ar.Open > 0 {
			out.KeyAreasOpen++
		}
		if due {
			out.KeyAreasDue++
		} else {
			out.KeyAreasMet++
		}
		if slices.Contains(stops, ar) || slices.ContainsFunc(ar.Cells, func(c h3.Cell) bool { return on[c] }) {
			areas = append(areas, ar)
			if due {
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
	// Unpatrolled is a gap stop's nights without a patrol before the planned night: the whole
	// look-back, as the plan's gaps are cells never patrolled in it (min_nights 1).
	Unpatrolled int
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
