package geo

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/uber/h3-go/v4"
)

// Travel speeds used to turn a route's length into time.
const (
	WalkSpeedMS      = 1.4 // a walking patrol, metres per second
	MotorbikeSpeedMS = 8.0 // a motorbike patrol in a ward at night (about 29 km/h)
)

// Suggested dwell times at the stops of a planned route, in minutes. Ten to sixteen minutes at a
// key area is the Koper-curve practice: a stay of about that long deters for longest after the
// patrol leaves, and longer stays add little.
const (
	MinKeyAreaDwellMin = 10
	MaxKeyAreaDwellMin = 16
	// GapDwellMin is the stop at a gap cell: pass through and look around.
	GapDwellMin = 2
)

// SuggestedDwellMin returns the minutes to stay at a key area on a planned route: 10 plus one
// minute for every two points of risk (such as the severities of the incidents in and around
// it), at most 16, and never less than the area's own minimum dwell requirement (which wins even
// above 16, because a shorter visit would not count).
func SuggestedDwellMin(minDwellMin int, risk float64) int {
	if math.IsNaN(risk) || risk < 0 {
		risk = 0
	}
	d := MinKeyAreaDwellMin + int(math.Floor(risk/2))
	d = min(d, MaxKeyAreaDwellMin)
	return max(d, minDwellMin)
}

// TravelMinutes returns the minutes needed to cover lengthM metres at speedMS metres per second.
func TravelMinutes(lengthM, speedMS float64) float64 {
	if speedMS <= 0 {
		return math.Inf(1)
	}
	return lengthM / speedMS / 60
}

// TourOptions says what PlanTour optimises.
type TourOptions struct {
	// Start is the index of the start in the distance matrix. It is always on the tour.
	Start int
	// Closed makes the tour return to the start (a patrol that begins and ends at the office).
	Closed bool
	// MaxLength bounds the tour's length, in the unit of the matrix; 0 means no bound.
	MaxLength float64
	// Prize is the value of visiting each node, one per matrix row. Nodes with a prize of 0 or
	// less, and the start, are never targets. nil gives every node a prize of 1.
	Prize []float64
}

// Tour is a planned visiting order.
type Tour struct {
	// Order lists the nodes in visiting order, starting with the start and, for a closed tour,
	// ending with it again.
	Order []int
	// Length is the sum of the matrix entries along Order.
	Length float64
	// Prize is the sum of the prizes of the targets on the tour.
	Prize float64
	// Dropped lists the targets left out, because of MaxLength or because they cannot be
	// reached (an infinite distance), in index order.
	Dropped []int
}

// PlanTour chooses and orders targets from a start under a length limit: a prize-collecting
// travelling salesman heuristic on the distance matrix dist (dist[i][j] from node i to node j;
// +Inf when j cannot be reached from i; it need not be symmetric).
//
// The steps: the targets reachable both ways from the start are ordered by nearest neighbour;
// 2-opt (reversing a stretch) and or-opt (moving one target elsewhere) shorten the tour until no
// move helps; while the tour is longer than MaxLength, the target whose removal saves the most
// length per unit of prize is dropped and the tour improved again; then the dropped targets, by
// prize, are inserted back at their cheapest place wherever that still fits the limit. Ties are
// broken by index, so the result is deterministic.
func PlanTour(dist [][]float64, opt TourOptions) (Tour, error) {
	n := len(dist)
	if n == 0 {
		return Tour{}, &AnalysisInputError{Msg: "geo: plan tour: empty distance matrix"}
	}
	for i, row := range dist {
		if len(row) != n {
			return Tour{}, &AnalysisInputError{Msg: fmt.Sprintf("geo: plan tour: row %d has %d entries, want %d", i, len(row), n)}
		}
		for j, d := range row {
			if math.IsNaN(d) || d < 0 || math.IsInf(d, -1) {
				return Tour{}, &AnalysisInputError{Msg: fmt.Sprintf("geo: plan tour: distance %d→%d is %v", i, j, d)}
			}
		}
	}
	if opt.Start < 0 || opt.Start >= n {
		return Tour{}, &AnalysisInputError{Msg: fmt.Sprintf("geo: plan tour: start %d is not a node of the %d×%d matrix", opt.Start, n, n)}
	}
	if opt.Prize != nil && len(opt.Prize) != n {
		return Tour{}, &AnalysisInputError{Msg: fmt.Sprintf("geo: plan tour: %d prizes for %d nodes", len(opt.Prize), n)}
	}
	if math.IsNaN(opt.MaxLength) || opt.MaxLength < 0 {
		return Tour{}, &AnalysisInputError{Msg: fmt.Sprintf("geo: plan tour: length limit %v", opt.MaxLength)}
	}
	p := tourPlanner{dist: dist, start: opt.Start, closed: opt.Closed, limit: opt.MaxLength, prize: make([]float64, n)}
	for i := range p.prize {
		p.prize[i] = 1
		if opt.Prize != nil {
			p.prize[i] = opt.Prize[i]
			if math.IsNaN(p.prize[i]) || math.IsInf(p.prize[i], 0) {
				return Tour{}, &AnalysisInputError{Msg: fmt.Sprintf("geo: plan tour: prize %d is %v", i, p.prize[i])}
			}
		}
	}

	var targets, dropped []int
	for i := 0; i < n; i++ {
		switch {
		case i == opt.Start || p.prize[i] <= 0:
		case math.IsInf(dist[opt.Start][i], 1) || (opt.Closed && math.IsInf(dist[i][opt.Start], 1)):
			dropped = append(dropped, i)
		default:
			targets = append(targets, i)
		}
	}

	route := p.nearestNeighbour(targets)
	p.improve(route)
	for len(route) > 0 && p.tooLong(p.length(route)) {
		k := p.worstTarget(route)
		dropped = append(dropped, route[k])
		route = slices.Delete(route, k, k+1)
		p.improve(route)
	}
	// Insert what was left out, most valuable first, wherever it still fits.
	slices.SortStableFunc(dropped, func(a, b int) int { return cmp.Or(cmp.Compare(p.prize[b], p.prize[a]), cmp.Compare(a, b)) })
	for changed := true; changed; {
		changed = false
		for i := 0; i < len(dropped); i++ {
			c := dropped[i]
			pos, extra := p.cheapestInsertion(route, c)
			if pos < 0 || p.tooLong(p.length(route)+extra) {
				continue
			}
			route = slices.Insert(route, pos, c)
			dropped = slices.Delete(dropped, i, i+1)
			i--
			p.improve(route)
			changed = true
		}
	}
	slices.Sort(dropped)

	t := Tour{Order: append([]int{opt.Start}, route...), Length: p.length(route), Dropped: dropped}
	if opt.Closed {
		t.Order = append(t.Order, opt.Start)
	}
	for _, c := range route {
		t.Prize += p.prize[c]
	}
	return t, nil
}

// tourPlanner holds what the heuristics share. A route is the list of targets in order, without
// the start (and without the return to it).
type tourPlanner struct {
	dist   [][]float64
	start  int
	closed bool
	limit  float64
	prize  []float64
}

// tooLong reports whether a route of length l breaks the limit or cannot be travelled at all.
func (p *tourPlanner) tooLong(l float64) bool {
	return math.IsInf(l, 1) || (p.limit > 0 && l > p.limit+1e-9)
}

// length returns the length of a route: start, the targets, and back to the start when closed.
func (p *tourPlanner) length(route []int) float64 {
	total, prev := 0.0, p.start
	for _, c := range route {
		total += p.dist[prev][c]
		prev = c
	}
	if p.closed {
		total += p.dist[prev][p.start]
	}
	return total
}

// nearestNeighbour orders targets by always going to the nearest one not yet visited (the lowest
// index among equals); targets that cannot be reached from where the tour stands wait until one
// can, and are appended at the end otherwise.
func (p *tourPlanner) nearestNeighbour(targets []int) []int {
	left := slices.Clone(targets)
	route := make([]int, 0, len(targets))
	at := p.start
	for len(left) > 0 {
		best := 0
		for k := 1; k < len(left); k++ {
			if p.dist[at][left[k]] < p.dist[at][left[best]] {
				best = k
			}
		}
		at = left[best]
		route = append(route, at)
		left = slices.Delete(left, best, best+1)
	}
	return route
}

// improve shortens route in place with 2-opt and or-opt moves until none helps. Each move is
// judged on the whole length, so asymmetric matrices are handled right; the routes here are tens
// of stops long, so the cubic work is small.
func (p *tourPlanner) improve(route []int) {
	const eps = 1e-9
	best := p.length(route)
	for improved := true; improved; {
		improved = false
		// 2-opt: reverse route[i..j].
		for i := 0; i < len(route)-1; i++ {
			for j := i + 1; j < len(route); j++ {
				slices.Reverse(route[i : j+1])
				if l := p.length(route); l < best-eps {
					best, improved = l, true
				} else {
					slices.Reverse(route[i : j+1])
				}
			}
		}
		// or-opt: move route[i] to position j.
		for i := 0; i < len(route); i++ {
			for j := 0; j < len(route); j++ {
				if i == j {
					continue
				}
				moveTo(route, i, j)
				if l := p.length(route); l < best-eps {
					best, improved = l, true
				} else {
					moveTo(route, j, i)
				}
			}
		}
	}
}

// moveTo moves s[i] to index j, shifting the elements between.
func moveTo(s []int, i, j int) {
	v := s[i]
	if i < j {
		copy(s[i:j], s[i+1:j+1])
	} else {
		copy(s[j+1:i+1], s[j:i])
	}
	s[j] = v
}

// worstTarget returns the index in route of the target whose removal saves the most length for
// its prize (the lowest prize per metre saved; the highest index among equals, so later
// additions go first).
func (p *tourPlanner) worstTarget(route []int) int {
	full := p.length(route)
	worst, worstScore := 0, math.Inf(1)
	rest := make([]int, 0, len(route))
	for k := range route {
		rest = append(rest[:0], route[:k]...)
		rest = append(rest, route[k+1:]...)
		saved := full - p.length(rest)
		score := p.prize[route[k]] / math.Max(saved, 1e-9)
		if math.IsInf(saved, 1) || math.IsNaN(saved) {
			score = -1
		}
		if score <= worstScore {
			worst, worstScore = k, score
		}
	}
	return worst
}

// cheapestInsertion returns where in route inserting c adds the least length, and that length;
// -1 when every place gives an infinite length.
func (p *tourPlanner) cheapestInsertion(route []int, c int) (int, float64) {
	full := p.length(route)
	best, bestExtra := -1, math.Inf(1)
	trial := make([]int, 0, len(route)+1)
	for pos := 0; pos <= len(route); pos++ {
		trial = append(trial[:0], route[:pos]...)
		trial = append(trial, c)
		trial = append(trial, route[pos:]...)
		if extra := p.length(trial) - full; extra < bestExtra {
			best, bestExtra = pos, extra
		}
	}
	return best, bestExtra
}

// StraightDistances returns the matrix of great-circle distances in metres between points.
func StraightDistances(pts []orb.Point) [][]float64 {
	out := make([][]float64, len(pts))
	for i := range pts {
		out[i] = make([]float64, len(pts))
		for j := range pts {
			if i != j {
				out[i][j] = orbgeo.DistanceHaversine(pts[i], pts[j])
			}
		}
	}
	return out
}

// RouteLength returns the great-circle length in metres of a LineString or MultiLineString.
func RouteLength(g orb.Geometry) float64 {
	return orbgeo.LengthHaversine(g)
}

// RouteLines returns the lines of a route geometry: a LineString, a MultiLineString, or a
// collection of them. Lines with fewer than 2 points are an error, as is any other geometry.
func RouteLines(g orb.Geometry) (orb.MultiLineString, error) {
	var out orb.MultiLineString
	var walk func(g orb.Geometry) error
	walk = func(g orb.Geometry) error {
		switch g := g.(type) {
		case orb.LineString:
			if len(g) < 2 {
				return &FieldError{Field: "geometry", Reason: "a LineString needs at least 2 points"}
			}
			out = append(out, g)
		case orb.MultiLineString:
			for _, l := range g {
				if err := walk(l); err != nil {
					return err
				}
			}
		case orb.Collection:
			for _, c := range g {
				if err := walk(c); err != nil {
					return err
				}
			}
		case nil:
			return &FieldError{Field: "geometry", Reason: "is required"}
		default:
			return &FieldError{Field: "geometry", Reason: "must be a LineString or MultiLineString, got " + g.GeoJSONType()}
		}
		return nil
	}
	if err := walk(g); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, &FieldError{Field: "geometry", Reason: "holds no line"}
	}
	// The one geometry check of every write path: coordinates, size.
	if err := CheckGeometry("geometry", out, "MultiLineString"); err != nil {
		return nil, err
	}
	return out, nil
}

// CellsAlong returns the H3 cells at resolution res that the lines pass through, sorted and
// without duplicates: each segment is sampled at a tenth of the average edge length (about 7 m at
// resolution 10), so a route that only clips the corner of a hexagon may miss it, as a GPS track
// would.
func CellsAlong(lines orb.MultiLineString, res int) ([]h3.Cell, error) {
	edge, err := h3.HexagonEdgeLengthAvgM(res)
	if err != nil {
		return nil, fmt.Errorf("geo: cells along a route: edge length at resolution %d: %w", res, err)
	}
	step := edge / 10
	seen := map[h3.Cell]bool{}
	var cells []h3.Cell
	add := func(pt orb.Point) error {
		c, err := CellOf(pt, res)
		if err != nil {
			return fmt.Errorf("geo: cells along a route: %w", err)
		}
		if !seen[c] {
			seen[c] = true
			cells = append(cells, c)
		}
		return nil
	}
	for _, l := range lines {
		for i, pt := range l {
			if err := add(pt); err != nil {
				return nil, err
			}
			if i == 0 {
				continue
			}
			prev := l[i-1]
			d := orbgeo.DistanceHaversine(prev, pt)
			for k := 1.0; k*step < d; k++ {
				if err := add(lerpPoint(prev, pt, k*step/d)); err != nil {
					return nil, err
				}
			}
		}
	}
	return sortedCells(cells), nil
}

// RoadSnap is a point moved onto a road network: the network node nearest to it.
type RoadSnap struct {
	Node  int64     // the node's id in the network
	Point orb.Point // the node, [lon, lat]
	DistM float64   // metres from the point to the node
}

// LineCellPoints returns, for every H3 cell at resolution res that the lines pass through, the
// point of the lines inside it nearest to the cell's centre, among samples taken at a tenth of
// the average edge length. A planner uses it to find where a road enters a cell.
func LineCellPoints(lines orb.MultiLineString, res int) (map[h3.Cell]orb.Point, error) {
	edge, err := h3.HexagonEdgeLengthAvgM(res)
	if err != nil {
		return nil, fmt.Errorf("geo: line cell points: edge length at resolution %d: %w", res, err)
	}
	step := edge / 10
	out := map[h3.Cell]orb.Point{}
	best := map[h3.Cell]float64{}
	add := func(pt orb.Point) error {
		c, err := CellOf(pt, res)
		if err != nil {
			return fmt.Errorf("geo: line cell points: %w", err)
		}
		centre, err := CellCentre(c)
		if err != nil {
			return err
		}
		d := orbgeo.DistanceHaversine(pt, centre)
		if b, ok := best[c]; !ok || d < b {
			best[c], out[c] = d, pt
		}
		return nil
	}
	for _, l := range lines {
		for i, pt := range l {
			if i > 0 {
				prev := l[i-1]
				d := orbgeo.DistanceHaversine(prev, pt)
				for k := 1.0; k*step < d; k++ {
					if err := add(lerpPoint(prev, pt, k*step/d)); err != nil {
						return nil, err
					}
				}
			}
			if err := add(pt); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
