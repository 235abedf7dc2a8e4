package planning

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/app/coverage"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// Request asks for a suggested route.
type Request struct {
	LookBack
	MaxKm   float64    // route length limit, MinKm to MaxKm
	Targets int        // most gap cells offered to the tour, 1 to MaxTargets
	Start   *orb.Point // nil: the ward office, else the centre of the boundary
	Order   string     // OrderShortest (default) or OrderRandom
	Seed    int64      // of a random order
}

// The orders of a plan's stops.
const (
	OrderShortest = "shortest"
	OrderRandom   = "random"
)

// Leg is one stretch of the route between two stops.
type Leg struct {
	From, To int // stop indexes in the tour
	Line     orb.LineString
	Straight bool // not along the roads
	LengthM  float64
}

// Plan is a suggested closed route and what it is worth.
type Plan struct {
	LookBack
	Gaps       *coverage.Gaps
	Tonight    *NightSoFar // the planned night as of the clock: which key areas are met, which due
	MaxKm      float64
	Network    patrol.RoadNetwork
	Routing    string // "pgrouting" or "straight"
	Stops      []Stop // in order; the last is the return to the start
	Legs       []Leg
	LengthM    float64
	DwellMin   int
	Considered int // targets offered to the tour
	Dropped    int // targets the length limit left out
	OffRoad    int // risky gap cells passed over because no road runs through them, and key areas no road comes near
	Gain       Gain
	Order      string // OrderShortest or OrderRandom
	Seed       int64  // of a random order
	Randomized bool   // a random order other than the shortest was found
}

// StraightLegs counts the legs that do not follow roads.
func (p *Plan) StraightLegs() int {
	n := 0
	for _, l := range p.Legs {
		if l.Straight {
			n++
		}
	}
	return n
}

func (r Request) check() error {
	if !(r.MaxKm >= MinKm && r.MaxKm <= MaxKm) { // NaN too
		return patrol.Invalid("max_km", fmt.Sprintf("must be a number of kilometres from %g to %g", MinKm, MaxKm))
	}
	if r.Order != "" && r.Order != OrderShortest && r.Order != OrderRandom {
		return patrol.Invalid("order", "must be shortest or random")
	}
	if r.Targets < 1 || r.Targets > MaxTargets {
		return patrol.Invalid("targets", fmt.Sprintf("must be an integer from %d to %d", 1, MaxTargets))
	}
	return nil
}

// Suggest plans a closed route for u, as of now (the clock's reading), from the start through
// the key areas due a visit on the planned night (AreaTonight.Due: not met there yet — by day
// before it, pending or overdue while it runs, missed once over; those met there already are no
// targets) and the riskiest cells never patrolled in the look-back and the planned night so far,
// ordered by nearest neighbour then 2-opt and or-opt under the length limit, along the roads when
// the unit has a road network and pgRouting is installed. With OrderRandom the same stops come in
// another seeded, reproducible order within the limit (geo.RandomTourOrder).
func Suggest(ctx context.Context, db Store, u patrol.Unit, req Request, now time.Time) (*Plan, error) {
	if err := req.check(); err != nil {
		return nil, err
	}
	g, err := Gaps(ctx, db, u, req.LookBack, now)
	if err != nil {
		return nil, err
	}
	p := &Plan{LookBack: req.LookBack, Gaps: g, Tonight: NightOf(u, g, req.LookBack, now), MaxKm: req.MaxKm, Routing: "straight", Order: req.Order, Seed: req.Seed}
	if p.Order == "" {
		p.Order = OrderShortest
	}
	if p.Network, err = db.RoadNetwork(ctx, u.ID); err != nil {
		return nil, err
	}
	var roads *roadIndex
	if p.Network.Routing && p.Network.Edges > 0 {
		if roads, err = loadRoads(ctx, db, u.ID, g.Res); err != nil {
			return nil, err
		}
	}
	stops, err := p.targets(startStop(g, req.Start), roads, req.Targets)
	if err != nil {
		return nil, err
	}
	stops, dist, err := p.distances(ctx, db, u.ID, stops, roads != nil)
	if err != nil {
		return nil, err
	}
	prize := make([]float64, len(stops))
	for i, st := range stops {
		prize[i] = st.Prize
	}
	tour, err := geo.PlanTour(dist, geo.TourOptions{Start: 0, Closed: true, MaxLength: req.MaxKm * 1000, Prize: prize})
	if err != nil {
		return nil, err
	}
	p.Dropped = len(tour.Dropped)
	order := tour.Order
	if p.Order == OrderRandom {
		order, _, p.Randomized = geo.RandomTourOrder(dist, tour, true, req.MaxKm*1000, p.Seed)
	}
	for _, i := range order {
		p.Stops = append(p.Stops, stops[i])
	}
	if err := p.drawLegs(ctx, db, u.ID, roads != nil); err != nil {
		return nil, err
	}
	return p, p.value()
}

// roadIndex is where the roads pass through cells: with a road network, a target is a point on
// a road inside a gap cell or inside a key area's cells, so that stopping there patrols it.
type roadIndex struct {
	points map[h3.Cell]orb.Point
	lines  orb.MultiLineString
	names  []string
}

func loadRoads(ctx context.Context, db Store, unitID, res int) (*roadIndex, error) {
	roads, err := db.ListRoads(ctx, unitID)
	if err != nil {
		return nil, err
	}
	ix := &roadIndex{}
	for _, rd := range roads {
		if g, err := geojson.UnmarshalGeometry(rd.Geometry); err == nil {
			if l, ok := g.Geometry().(orb.LineString); ok && len(l) >= 2 {
				ix.lines = append(ix.lines, l)
				ix.names = append(ix.names, rd.Name)
			}
		}
	}
	if ix.points, err = geo.LineCellPoints(ix.lines, res); err != nil {
		return nil, err
	}
	return ix, nil
}

// nearestName names the road nearest to pt.
func (ix *roadIndex) nearestName(pt orb.Point) string {
	best, name := math.Inf(1), ""
	for k, l := range ix.lines {
		if d := geo.MetresToLine(pt, l); d < best {
			best, name = d, ix.names[k]
		}
	}
	return name
}

// targets returns the start, then the key areas due a visit on the planned night, then the riskiest
// gap cells (with a road network, the riskiest ones that a road passes through), at most
// maxTargets of them.
func (p *Plan) targets(start Stop, roads *roadIndex, maxTargets int) ([]Stop, error) {
	g := p.Gaps
	stops := []Stop{start}
	for i := range g.Areas {
		ar := &g.Areas[i]
		tonight := p.Tonight.Of(ar)
		if !tonight.Due() || start.Area == ar {
			continue
		}
		pt := areaPoint(ar.Geom)
		st := Stop{Kind: StopKeyArea, Point: pt, Target: pt, Area: ar, Prize: duePrize(tonight),
			Dwell: geo.SuggestedDwellMin(ar.Area.MinDwellMin, float64(ar.In.Severity)+geo.GapRiskNear*float64(ar.Near.Severity))}
		if roads != nil {
			best := math.Inf(1)
			for _, cell := range ar.Cells {
				if rp, ok := roads.points[cell]; ok {
					if d := orbgeo.DistanceHaversine(rp, pt); d < best {
						best, st.Target, st.OnRoad = d, rp, true
					}
				}
			}
		}
		stops = append(stops, st)
	}
	gaps := 0
	for i := range g.Cells {
		if gaps >= maxTargets {
			break
		}
		gc := &g.Cells[i]
		pt, err := geo.CellCentre(gc.Cell)
		if err != nil {
			return nil, err
		}
		st := Stop{Kind: StopGap, Point: pt, Target: pt, Cell: gc.Cell, Gap: gc, Prize: gc.Risk, Dwell: geo.GapDwellMin, Unpatrolled: p.Nights}
		if roads != nil {
			rp, ok := roads.points[gc.Cell]
			if !ok {
				p.OffRoad++
				continue
			}
			st.Target, st.OnRoad, st.Road = rp, true, roads.nearestName(rp)
		}
		stops = append(stops, st)
		gaps++
	}
	p.Considered = len(stops) - 1
	return stops, nil
}

// distances returns the stops that can be reached and the distances between them: along the
// roads (snapping each target to the graph) when useRoads, else straight.
func (p *Plan) distances(ctx context.Context, db Store, unitID int, stops []Stop, useRoads bool) ([]Stop, [][]float64, error) {
	if !useRoads {
		pts := make([]orb.Point, len(stops))
		for i, st := range stops {
			pts[i] = st.Point
		}
		return stops, geo.StraightDistances(pts), nil
	}
	pts := make([]orb.Point, len(stops))
	for i, st := range stops {
		pts[i] = st.Target
	}
	snaps, err := db.SnapToRoads(ctx, unitID, pts)
	if err != nil {
		return nil, nil, err
	}
	edge, _ := h3.HexagonEdgeLengthAvgM(p.Gaps.Res)
	kept := stops[:0]
	for i, st := range stops {
		st.Snap, st.Snapped = snaps[i], true
		// A key area no road enters is a target when a road comes within about a cell of it
		// (plus its own radius); the start always is one.
		if i > 0 && !st.OnRoad {
			b := st.Area.Geom.Bound()
			if limit := 1.5*edge + planar.Distance(b.Min, b.Max)*111_000/2; snaps[i].DistM > limit {
				p.OffRoad++
				continue
			}
		}
		st.Point = snaps[i].Point
		kept = append(kept, st)
	}
	nodes := make([]int64, len(kept))
	for i, st := range kept {
		nodes[i] = st.Snap.Node
	}
	dist, err := db.RoadDistances(ctx, unitID, nodes)
	if err != nil {
		return nil, nil, err
	}
	p.Routing = "pgrouting"
	return kept, dist, nil
}

// drawLegs draws the legs between the ordered stops: road paths, or straight lines marked as
// such.
func (p *Plan) drawLegs(ctx context.Context, db Store, unitID int, useRoads bool) error {
	legs := make([]Leg, 0, len(p.Stops)-1)
	var pairs [][2]int64
	for k := 1; k < len(p.Stops); k++ {
		legs = append(legs, Leg{From: k - 1, To: k})
		pairs = append(pairs, [2]int64{p.Stops[k-1].Snap.Node, p.Stops[k].Snap.Node})
	}
	var paths []orb.LineString
	if useRoads && len(pairs) > 0 {
		var err error
		if paths, err = db.RoadPaths(ctx, unitID, pairs); err != nil {
			return err
		}
	}
	for k := range legs {
		l := &legs[k]
		a, b := p.Stops[l.From].Point, p.Stops[l.To].Point
		switch {
		case paths != nil && len(paths[k]) >= 2:
			l.Line = paths[k]
		case a == b:
			continue // two targets at one road node
		default:
			l.Line, l.Straight = orb.LineString{a, b}, true
		}
		l.LengthM = geo.RouteLength(l.Line)
		p.LengthM += l.LengthM
		p.Legs = append(p.Legs, *l)
	}
	return nil
}

// value sums the dwell and computes the gain of the drawn route. A key-area stop means a stay in
// the area, even where the road only passes near it.
func (p *Plan) value() error {
	for _, st := range p.Stops[1 : len(p.Stops)-1] {
		p.DwellMin += st.Dwell
	}
	var route orb.MultiLineString
	for _, l := range p.Legs {
		route = append(route, l.Line)
	}
	var cells []h3.Cell
	if len(route) > 0 {
		var err error
		if cells, err = geo.CellsAlong(route, p.Gaps.Res); err != nil {
			return err
		}
	}
	var visited []*coverage.KeyArea
	for _, st := range p.Stops {
		if st.Kind == StopKeyArea {
			visited = append(visited, st.Area)
		}
	}
	p.Gain, _, _ = GainOf(p.Gaps, p.Tonight, cells, visited...)
	return nil
}
