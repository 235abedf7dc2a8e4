package api

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/app/coverage"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// PlanBackend is the storage route planning needs (store/routing.go, store/routes.go).
type PlanBackend interface {
	// RoadNetwork returns the routable graph of a unit's roads, rebuilding it first when the
	// roads changed since it was built; Routing says whether pgRouting is there to use it.
	RoadNetwork(ctx context.Context, unitID int) (patrol.RoadNetwork, error)
	// SnapToRoads returns the graph node nearest to each point.
	SnapToRoads(ctx context.Context, unitID int, pts []orb.Point) ([]geo.RoadSnap, error)
	// RoadDistances returns the road distances in metres between nodes (+Inf: not joined).
	RoadDistances(ctx context.Context, unitID int, nodes []int64) ([][]float64, error)
	// RoadPaths returns the road path of each leg (nil when the ends are one node or not joined).
	RoadPaths(ctx context.Context, unitID int, legs [][2]int64) ([]orb.LineString, error)

	CreateRoute(ctx context.Context, r patrol.Route) (patrol.Route, error)
	RouteByID(ctx context.Context, id int64) (patrol.Route, error)
	ListRoutes(ctx context.Context, unitID int, from, to string) ([]patrol.Route, error)
	DeleteRoute(ctx context.Context, id int64) error
}

// planRoutes registers route planning and the saved routes.
func (s *Server) planRoutes(v1 *gin.RouterGroup) {
	v1.GET("/plan", s.requireUser, s.getPlan)
	v1.POST("/plan/evaluate", s.requireUser, s.evaluatePlan)
	v1.GET("/routes", s.requireUser, s.listRoutes)
	v1.POST("/routes", s.requireUser, s.requireRole(patrol.RoleAdmin, patrol.RoleAnalyst), s.createRoute)
	v1.DELETE("/routes/:id", s.requireUser, s.requireRole(patrol.RoleAdmin, patrol.RoleAnalyst), s.deleteRoute)
}

// Planning defaults and limits.
const (
	planDefaultNights  = 14       // nights of coverage looked back on
	planMaxNights      = 120      //
	planDefaultMaxKm   = 8.0      // route length limit
	planMaxKm          = 60.0     //
	planDefaultTargets = 40       // candidate gap cells offered to the tour heuristic
	planMaxTargets     = 120      //
	planStartName      = "trụ sở" // a key area whose name holds this is the default start
)

// analyseGaps computes the coverage gaps of a unit over the nights of p with app/coverage's
// gap model at min_nights 1: the cells never visited at night.
func (s *Server) analyseGaps(ctx context.Context, u patrol.Unit, p geo.Period) (*coverage.Gaps, error) {
	return coverage.FindGaps(ctx, s.db, u, p, 1)
}

// coverageGain says what a route adds to the coverage of the look-back.
type coverageGain struct {
	StudyCells      int     `json:"study_cells"`
	CoveredBefore   int     `json:"covered_before"`
	CoveredAfter    int     `json:"covered_after"`
	PercentBefore   float64 `json:"percent_before"`
	PercentAfter    float64 `json:"percent_after"`
	GapCells        int     `json:"gap_cells"`
	GapCellsCovered int     `json:"gap_cells_covered"`
	GapRiskCovered  float64 `json:"gap_risk_covered"`
	KeyAreasBelow   int     `json:"key_areas_below"`
	KeyAreasCovered int     `json:"key_areas_covered"`
}

// gain returns what a route through cells adds, the gap cells it covers (highest risk first) and
// the key areas it reaches: those it passes through and the stops among them.
func gain(a *coverage.Gaps, cells []h3.Cell, stops ...*coverage.KeyArea) (coverageGain, []*coverage.CellGap, []*coverage.KeyArea) {
	on := make(map[h3.Cell]bool, len(cells))
	for _, c := range cells {
		on[c] = true
	}
	g := coverageGain{StudyCells: len(a.Study), GapCells: len(a.Cells)}
	for _, c := range a.Study {
		if a.Visited[c] > 0 {
			g.CoveredBefore++
			g.CoveredAfter++
		} else if on[c] {
			g.CoveredAfter++
		}
	}
	var gaps []*coverage.CellGap
	for i := range a.Cells {
		if on[a.Cells[i].Cell] {
			gaps = append(gaps, &a.Cells[i])
			g.GapRiskCovered += a.Cells[i].Risk
		}
	}
	g.GapCellsCovered = len(gaps)
	g.GapRiskCovered = math.Round(g.GapRiskCovered*100) / 100
	var areas []*coverage.KeyArea
	for i := range a.Areas {
		ar := &a.Areas[i]
		if ar.Below() {
			g.KeyAreasBelow++
		}
		if slices.Contains(stops, ar) || slices.ContainsFunc(ar.Cells, func(c h3.Cell) bool { return on[c] }) {
			areas = append(areas, ar)
			if ar.Below() {
				g.KeyAreasCovered++
			}
		}
	}
	if g.StudyCells > 0 {
		g.PercentBefore = math.Round(1000*float64(g.CoveredBefore)/float64(g.StudyCells)) / 10
		g.PercentAfter = math.Round(1000*float64(g.CoveredAfter)/float64(g.StudyCells)) / 10
	}
	return g, gaps, areas
}

// planNight reads night (a local date; default the night in progress or, by day, tonight) and
// nights (the look-back, default planDefaultNights) and returns the look-back period: the nights
// before the planned one.
func (s *Server) planNight(c *gin.Context, u patrol.Unit) (geo.Date, int, geo.Period, bool) {
	loc, nw := location(u), nightWindow(u)
	var night geo.Date
	if raw := c.Query("night"); raw != "" {
		d, err := geo.ParseDate(raw)
		if err != nil {
			writeProblem(c, badField("night", "must be a date YYYY-MM-DD"))
			return night, 0, geo.Period{}, false
		}
		night = d
	} else {
		now := s.cfg.Now()
		var ok bool
		if night, ok = nw.NightOf(now, loc); !ok {
			night = geo.DateOf(now, loc)
		}
	}
	nights, ok := planInt(c, "nights", planDefaultNights, 1, planMaxNights)
	if !ok {
		return night, 0, geo.Period{}, false
	}
	p, err := geo.ParsePeriod(night.AddDays(-nights).String(), night.String(), loc, geo.WindowNight, nw)
	if err != nil {
		writeProblem(c, badField("night", err.Error()))
		return night, 0, geo.Period{}, false
	}
	return night, nights, p, true
}

// maxKmParam reads max_km, the longest route in kilometres, 0.2 to planMaxKm.
func maxKmParam(c *gin.Context) (float64, bool) {
	raw := strings.TrimSpace(c.Query("max_km"))
	if raw == "" {
		return planDefaultMaxKm, true
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil || !(v >= 0.2 && v <= planMaxKm) {
		writeProblem(c, badField("max_km", fmt.Sprintf("must be a number of kilometres from 0.2 to %g", planMaxKm)))
		return 0, false
	}
	return v, true
}

// startParam reads start=LAT,LON; given reports whether it was there at all.
func startParam(c *gin.Context) (pt orb.Point, given, ok bool) {
	raw := strings.TrimSpace(c.Query("start"))
	if raw == "" {
		return orb.Point{}, false, true
	}
	la, lo, found := strings.Cut(raw, ",")
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(la), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(lo), 64)
	if !found || err1 != nil || err2 != nil || !(math.Abs(lat) <= 90 && math.Abs(lon) <= 180) { // NaN too
		writeProblem(c, badField("start", "must be LAT,LON in degrees, such as 21.4705,105.8512"))
		return orb.Point{}, true, false
	}
	return orb.Point{lon, lat}, true, true
}

// planInt reads an optional integer query parameter in [lo, hi].
func planInt(c *gin.Context, name string, def, lo, hi int) (int, bool) {
	raw := strings.TrimSpace(c.Query(name))
	if raw == "" {
		return def, true
	}
	v, err := strconv.Atoi(raw)
	if err != nil || v < lo || v > hi {
		writeProblem(c, badField(name, fmt.Sprintf("must be an integer from %d to %d", lo, hi)))
		return 0, false
	}
	return v, true
}

// planStop is one stop of a planned route.
type planStop struct {
	kind    string // start, gap or key_area
	point   orb.Point
	target  orb.Point // the cell centre or area point the stop serves
	Cell    h3.Cell
	area    *coverage.KeyArea
	gap     *coverage.CellGap
	prize   float64
	dwell   int
	snap    geo.RoadSnap
	snapped bool
	onRoad  bool   // target is a point of a road inside the cell or area
	road    string // the name of the road the target lies on
}

func (st planStop) name() string {
	switch st.kind {
	case "start":
		if st.area != nil {
			return st.area.Area.Name
		}
		return "Điểm xuất phát"
	case "key_area":
		return st.area.Area.Name
	}
	if st.road != "" {
		return "Vùng chưa tuần tra, " + st.road
	}
	return "Vùng chưa tuần tra " + st.Cell.String()
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

// planStart returns the start: start=lat,lon when given, else the key area whose name holds
// "Trụ sở" (the ward police office), else the centre of the boundary.
func (s *Server) planStart(c *gin.Context, a *coverage.Gaps) (planStop, bool) {
	if pt, given, ok := startParam(c); !ok {
		return planStop{}, false
	} else if given {
		return planStop{kind: "start", point: pt, target: pt}, true
	}
	for i := range a.Areas {
		if strings.Contains(strings.ToLower(a.Areas[i].Area.Name), planStartName) {
			pt := areaPoint(a.Areas[i].Geom)
			return planStop{kind: "start", point: pt, target: pt, area: &a.Areas[i]}, true
		}
	}
	pt := a.Boundary.Bound().Center()
	if poly, ok := a.Boundary.(orb.MultiPolygon); ok {
		pt, _ = planar.CentroidArea(poly)
	} else if poly, ok := a.Boundary.(orb.Polygon); ok {
		pt, _ = planar.CentroidArea(poly)
	}
	return planStop{kind: "start", point: pt, target: pt}, true
}

// planLeg is one stretch of the route between two stops.
type planLeg struct {
	from, to int // stop indexes in the tour
	line     orb.LineString
	straight bool
	lengthM  float64
}

// plan is a planned route and everything needed to answer it.
type plan struct {
	analysis   *coverage.Gaps
	night      geo.Date
	nights     int
	maxKm      float64
	network    patrol.RoadNetwork
	routing    string // "pgrouting" or "straight"
	stops      []planStop
	legs       []planLeg
	lengthM    float64
	dwellMin   int
	considered int
	dropped    int
	off        int // risky gap cells passed over because no road runs through them, and key areas no road comes near
	gain       coverageGain
	order      string // planOrderShortest or planOrderRandom
	seed       int64  // of a random order
	randomized bool   // a random order other than the shortest was found
}

// The orders of a plan's stops.
const (
	planOrderShortest = "shortest"
	planOrderRandom   = "random"
)

// planOrderParams reads order (shortest, the default, or random) and seed, an integer; a random
// order without a seed takes the night's date (20240301), so it changes from night to night.
func planOrderParams(c *gin.Context, night geo.Date) (string, int64, bool) {
	order := c.Query("order")
	switch order {
	case "":
		order = planOrderShortest
	case planOrderShortest, planOrderRandom:
	default:
		writeProblem(c, badField("order", "must be shortest or random"))
		return "", 0, false
	}
	seed := int64(night.Year*10000 + int(night.Month)*100 + night.Day)
	if c.Query("seed") != "" {
		v, ok := seedParam(c)
		if !ok {
			return "", 0, false
		}
		seed = v
	}
	return order, seed, true
}

// makePlan picks targets, orders them and draws the route.
func (s *Server) makePlan(c *gin.Context, db PlanBackend, u patrol.Unit) (*plan, bool) {
	ctx := c.Request.Context()
	night, nights, lookback, ok := s.planNight(c, u)
	if !ok {
		return nil, false
	}
	maxKm, ok := maxKmParam(c)
	if !ok {
		return nil, false
	}
	maxTargets, ok := planInt(c, "targets", planDefaultTargets, 1, planMaxTargets)
	if !ok {
		return nil, false
	}
	a, err := s.analyseGaps(ctx, u, lookback)
	if err != nil {
		fail(c, err)
		return nil, false
	}
	start, ok := s.planStart(c, a)
	if !ok {
		return nil, false
	}
	p := &plan{analysis: a, night: night, nights: nights, maxKm: maxKm, routing: "straight"}
	if p.order, p.seed, ok = planOrderParams(c, night); !ok {
		return nil, false
	}
	if p.network, err = db.RoadNetwork(ctx, u.ID); err != nil {
		fail(c, err)
		return nil, false
	}
	useRoads := p.network.Routing && p.network.Edges > 0

	// Where the roads pass through cells: with a road network, a target is a point on a road
	// inside a gap cell or inside a key area's cells, so that stopping there patrols it.
	var roadPts map[h3.Cell]orb.Point
	var lines orb.MultiLineString
	var roadNames []string
	if useRoads {
		roads, err := s.db.ListRoads(ctx, u.ID)
		if err != nil {
			fail(c, err)
			return nil, false
		}
		for _, rd := range roads {
			if g, err := geojson.UnmarshalGeometry(rd.Geometry); err == nil {
				if l, ok := g.Geometry().(orb.LineString); ok && len(l) >= 2 {
					lines = append(lines, l)
					roadNames = append(roadNames, rd.Name)
				}
			}
		}
		if roadPts, err = geo.LineCellPoints(lines, a.Res); err != nil {
			fail(c, err)
			return nil, false
		}
	}

	// Candidates: the key areas below their requirement, then the riskiest gap cells (with a
	// road network, the riskiest ones that a road passes through).
	stops := []planStop{start}
	for i := range a.Areas {
		ar := &a.Areas[i]
		if !ar.Below() || (start.area == ar) {
			continue
		}
		pt := areaPoint(ar.Geom)
		st := planStop{kind: "key_area", point: pt, target: pt, area: ar, prize: ar.Risk,
			dwell: geo.SuggestedDwellMin(ar.Area.MinDwellMin, float64(ar.In.Severity)+geo.GapRiskNear*float64(ar.Near.Severity))}
		best := math.Inf(1)
		for _, cell := range ar.Cells {
			if rp, ok := roadPts[cell]; ok {
				if d := orbgeo.DistanceHaversine(rp, pt); d < best {
					best, st.target, st.onRoad = d, rp, true
				}
			}
		}
		stops = append(stops, st)
	}
	gaps := 0
	for i := range a.Cells {
		if gaps >= maxTargets {
			break
		}
		g := &a.Cells[i]
		pt, err := geo.CellCentre(g.Cell)
		if err != nil {
			fail(c, err)
			return nil, false
		}
		st := planStop{kind: "gap", point: pt, target: pt, Cell: g.Cell, gap: g, prize: g.Risk, dwell: geo.GapDwellMin}
		if useRoads {
			rp, ok := roadPts[g.Cell]
			if !ok {
				p.off++
				continue
			}
			st.target, st.onRoad = rp, true
			best := math.Inf(1)
			for k, l := range lines {
				if d := metresToLine(rp, l); d < best {
					best, st.road = d, roadNames[k]
				}
			}
		}
		stops = append(stops, st)
		gaps++
	}
	p.considered = len(stops) - 1

	// Distances: along the roads when there is a network and pgRouting, else straight.
	var dist [][]float64
	if useRoads {
		pts := make([]orb.Point, len(stops))
		for i, st := range stops {
			pts[i] = st.target
		}
		snaps, err := db.SnapToRoads(ctx, u.ID, pts)
		if err != nil {
			fail(c, err)
			return nil, false
		}
		edge, _ := h3.HexagonEdgeLengthAvgM(a.Res)
		kept := stops[:0]
		for i, st := range stops {
			st.snap, st.snapped = snaps[i], true
			// A key area no road enters is a target when a road comes within about a cell of
			// it (plus its own radius); the start always is one.
			if i > 0 && !st.onRoad {
				limit := 1.5*edge + planar.Distance(st.area.Geom.Bound().Min, st.area.Geom.Bound().Max)*111_000/2
				if snaps[i].DistM > limit {
					p.off++
					continue
				}
			}
			st.point = snaps[i].Point
			kept = append(kept, st)
		}
		stops = kept
		nodes := make([]int64, len(stops))
		for i, st := range stops {
			nodes[i] = st.snap.Node
		}
		if dist, err = db.RoadDistances(ctx, u.ID, nodes); err != nil {
			fail(c, err)
			return nil, false
		}
		p.routing = "pgrouting"
	} else {
		pts := make([]orb.Point, len(stops))
		for i, st := range stops {
			pts[i] = st.point
		}
		dist = geo.StraightDistances(pts)
	}
	prize := make([]float64, len(stops))
	for i, st := range stops {
		prize[i] = st.prize
	}
	tour, err := geo.PlanTour(dist, geo.TourOptions{Start: 0, Closed: true, MaxLength: maxKm * 1000, Prize: prize})
	if err != nil {
		fail(c, err)
		return nil, false
	}
	p.dropped = len(tour.Dropped)
	order := tour.Order
	if p.order == planOrderRandom {
		order, _, p.randomized = geo.RandomTourOrder(dist, tour, true, maxKm*1000, p.seed)
	}
	for _, i := range order {
		p.stops = append(p.stops, stops[i])
	}

	// The legs: road paths, or straight lines marked as such.
	legs := make([]planLeg, 0, len(p.stops)-1)
	var pairs [][2]int64
	for k := 1; k < len(p.stops); k++ {
		legs = append(legs, planLeg{from: k - 1, to: k})
		pairs = append(pairs, [2]int64{p.stops[k-1].snap.Node, p.stops[k].snap.Node})
	}
	var paths []orb.LineString
	if useRoads && len(pairs) > 0 {
		if paths, err = db.RoadPaths(ctx, u.ID, pairs); err != nil {
			fail(c, err)
			return nil, false
		}
	}
	for k := range legs {
		l := &legs[k]
		a, b := p.stops[l.from].point, p.stops[l.to].point
		switch {
		case paths != nil && len(paths[k]) >= 2:
			l.line = paths[k]
		case a == b:
			continue // two targets at one road node
		default:
			l.line, l.straight = orb.LineString{a, b}, true
		}
		l.lengthM = geo.RouteLength(l.line)
		p.lengthM += l.lengthM
		p.legs = append(p.legs, *l)
	}
	for _, st := range p.stops[1 : len(p.stops)-1] {
		p.dwellMin += st.dwell
	}
	var route orb.MultiLineString
	for _, l := range p.legs {
		route = append(route, l.line)
	}
	var cells []h3.Cell
	if len(route) > 0 {
		if cells, err = geo.CellsAlong(route, a.Res); err != nil {
			fail(c, err)
			return nil, false
		}
	}
	// A key-area stop means a stay in the area, even where the road only passes near it.
	var visited []*coverage.KeyArea
	for _, st := range p.stops {
		if st.kind == "key_area" {
			visited = append(visited, st.area)
		}
	}
	p.gain, _, _ = gain(a, cells, visited...)
	return p, true
}

// getPlan answers GET /api/v1/plan?unit&night&start&max_km[&nights][&targets][&format=gpx]: a
// suggested closed route from the start (the ward office by default) through the key areas
// below their requirement and the riskiest cells never patrolled in the last nights, ordered by
// nearest neighbour then 2-opt and or-opt, under the length limit.
func (s *Server) getPlan(c *gin.Context) {
	db := s.db
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	format := c.Query("format")
	if format != "" && format != "geojson" && format != "gpx" {
		writeProblem(c, badField("format", "must be geojson or gpx"))
		return
	}
	p, ok := s.makePlan(c, db, u)
	if !ok {
		return
	}
	if format == "gpx" {
		body, err := p.gpx(s.cfg.Now())
		if err != nil {
			fail(c, err)
			return
		}
		c.Header("Cache-Control", "no-store")
		c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="patrolmap-%s-%s.gpx"`, u.Code, p.night))
		c.Data(http.StatusOK, "application/gpx+xml", body)
		return
	}
	writeGeoJSON(c, p.featureCollection())
}

// planCollection is the GeoJSON answer of GET /api/v1/plan with the plan's summary beside it.
type planCollection struct {
	Type     string         `json:"type"`
	Features []Feature      `json:"features"`
	Plan     map[string]any `json:"plan"`
	Warnings []string       `json:"warnings,omitempty"`
}

func lineGeometry(l orb.LineString) json.RawMessage {
	b, _ := json.Marshal(geojson.NewGeometry(planRoundLine(l)))
	return b
}

func planRoundLine(l orb.LineString) orb.LineString {
	out := make(orb.LineString, len(l))
	for i, p := range l {
		out[i] = orb.Point{round7(p[0]), round7(p[1])}
	}
	return out
}

func (p *plan) summary() map[string]any {
	a := p.analysis
	walk := geo.TravelMinutes(p.lengthM, geo.WalkSpeedMS)
	moto := geo.TravelMinutes(p.lengthM, geo.MotorbikeSpeedMS)
	out := map[string]any{
		"unit": a.Unit.Code, "night": p.night.String(), "nights": p.nights,
		"lookback_from": rfc3339(a.Period.From), "lookback_to": rfc3339(a.Period.To),
		// The gaps' period as GET /api/v1/gaps takes it: expected_gain.gap_cells is the number of
		// cell features /gaps answers for it with min_nights=1.
		"gaps_from": p.night.AddDays(-p.nights).String(), "gaps_to": p.night.String(), "gaps_min_nights": a.MinNights,
		"max_km": p.maxKm, "routing": p.routing, "order": p.order,
		"road_network": map[string]any{"roads": p.network.Roads, "nodes": p.network.Nodes, "edges": p.network.Edges, "pgrouting": p.network.Routing},
		"length_m":     math.Round(p.lengthM), "km": math.Round(p.lengthM) / 1000,
		"walk_min": math.Round(walk), "motorbike_min": math.Round(moto), "dwell_min": p.dwellMin,
		"total_walk_min": math.Round(walk) + float64(p.dwellMin), "total_motorbike_min": math.Round(moto) + float64(p.dwellMin),
		"stops": len(p.stops) - 2, "candidates": p.considered, "left_out": p.dropped, "off_road": p.off,
		"straight_legs": countStraight(p.legs), "expected_gain": p.gain,
	}
	if p.order == planOrderRandom {
		out["seed"], out["randomized"] = p.seed, p.randomized
	}
	return out
}

func countStraight(legs []planLeg) int {
	n := 0
	for _, l := range legs {
		if l.straight {
			n++
		}
	}
	return n
}

// featureCollection is the plan as GeoJSON: the route (one MultiLineString, a line per leg),
// each leg (with straight: true when it does not follow roads), then the stops in order.
func (p *plan) featureCollection() planCollection {
	out := planCollection{Type: "FeatureCollection", Plan: p.summary(), Warnings: p.analysis.Warnings}
	name := fmt.Sprintf("Tuyến tuần tra gợi ý đêm %s", p.night)
	if len(p.legs) > 0 {
		var lines orb.MultiLineString
		legs := make([]map[string]any, len(p.legs))
		for i, l := range p.legs {
			lines = append(lines, planRoundLine(l.line))
			legs[i] = map[string]any{"seq": i + 1, "length_m": math.Round(l.lengthM), "straight": l.straight}
		}
		g, _ := json.Marshal(geojson.NewGeometry(lines))
		props := p.summary()
		props["kind"] = patrol.RouteSuggested
		props["role"] = "route"
		props["name"] = name
		props["straight"] = countStraight(p.legs) > 0
		props["legs"] = legs
		out.Features = append(out.Features, Feature{Type: "Feature", ID: "route", Geometry: g, Properties: props})
	}
	for i, l := range p.legs {
		to := l.to
		if to == len(p.stops)-1 {
			to = 0 // back at the start
		}
		out.Features = append(out.Features, Feature{Type: "Feature", ID: fmt.Sprintf("leg-%d", i+1), Geometry: lineGeometry(l.line),
			Properties: map[string]any{"kind": "leg", "role": "leg", "seq": i + 1, "from": l.from, "to": to,
				"length_m": math.Round(l.lengthM), "straight": l.straight}})
	}
	along := 0.0
	legAt := map[int]float64{}
	for _, l := range p.legs {
		along += l.lengthM
		legAt[l.to] = along
	}
	last := 0.0
	for i, st := range p.stops {
		if i == len(p.stops)-1 {
			break // the return to the start
		}
		if v, ok := legAt[i]; ok {
			last = v
		}
		props := map[string]any{"kind": st.kind, "role": "stop", "order": i, "name": st.name(), "dwell_min": st.dwell,
			"along_m": math.Round(last), "walk_min": math.Round(geo.TravelMinutes(last, geo.WalkSpeedMS)),
			"motorbike_min": math.Round(geo.TravelMinutes(last, geo.MotorbikeSpeedMS))}
		if st.snapped {
			props["snap_m"] = math.Round(st.snap.DistM)
		}
		switch {
		case st.gap != nil:
			props["cell"] = st.Cell.String()
			props["risk"] = math.Round(st.gap.Risk*100) / 100
			props["incidents"] = st.gap.In.Count
			props["incidents_near"] = st.gap.Near.Count
			props["key_areas"] = nonNilStrings(st.gap.KeyAreas)
		case st.area != nil:
			props["area_id"] = st.area.Area.ID
			props["area_kind"] = st.area.Area.Kind
			props["required"] = st.area.Area.RequiredNightVisits
			props["min_dwell_min"] = st.area.Area.MinDwellMin
			props["nights_met"] = st.area.Met
			props["nights"] = len(st.area.Nights)
			if st.kind == "key_area" {
				props["risk"] = math.Round(st.area.Risk*100) / 100
			}
		}
		out.Features = append(out.Features, Feature{Type: "Feature", ID: fmt.Sprintf("stop-%d", i), Geometry: pointGeometry(st.point[1], st.point[0]), Properties: props})
	}
	return out
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// GPX 1.1 as OsmAnd imports it: waypoints for the stops, one track for the route.
type gpxDoc struct {
	XMLName        xml.Name     `xml:"gpx"`
	Version        string       `xml:"version,attr"`
	Creator        string       `xml:"creator,attr"`
	XMLNS          string       `xml:"xmlns,attr"`
	XSI            string       `xml:"xmlns:xsi,attr"`
	SchemaLocation string       `xml:"xsi:schemaLocation,attr"`
	Metadata       gpxMetadata  `xml:"metadata"`
	Waypoints      []gpxWpt     `xml:"wpt"`
	Tracks         []gpxTrkPlan `xml:"trk"`
}

type gpxMetadata struct {
	Name string `xml:"name"`
	Desc string `xml:"desc,omitempty"`
	Time string `xml:"time"`
}

type gpxWpt struct {
	Lat  float64 `xml:"lat,attr"`
	Lon  float64 `xml:"lon,attr"`
	Name string  `xml:"name"`
	Desc string  `xml:"desc,omitempty"`
	Sym  string  `xml:"sym,omitempty"`
	Type string  `xml:"type,omitempty"`
}

type gpxTrkPlan struct {
	Name     string       `xml:"name"`
	Desc     string       `xml:"desc,omitempty"`
	Type     string       `xml:"type,omitempty"`
	Segments []gpxTrkSegP `xml:"trkseg"`
}

type gpxTrkSegP struct {
	Points []gpxTrkPt `xml:"trkpt"`
}

type gpxTrkPt struct {
	Lat float64 `xml:"lat,attr"`
	Lon float64 `xml:"lon,attr"`
}

// gpx writes the plan as GPX 1.1: a waypoint per stop, named with its order ("1. Chợ …") and
// its suggested dwell, and one track whose segments are the legs.
func (p *plan) gpx(now time.Time) ([]byte, error) {
	doc := gpxDoc{Version: "1.1", Creator: "patrolmap", XMLNS: "http://www.topografix.com/GPX/1/1",
		XSI: "http://www.w3.org/2001/XMLSchema-instance", SchemaLocation: "http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd",
		Metadata: gpxMetadata{Name: fmt.Sprintf("Tuyến tuần tra gợi ý %s đêm %s", p.analysis.Unit.Name, p.night),
			Desc: strings.Replace(fmt.Sprintf("%.1f km; %d điểm dừng", p.lengthM/1000, len(p.stops)-2), ".", ",", 1), Time: now.UTC().Format(time.RFC3339)}}
	for i, st := range p.stops[:len(p.stops)-1] {
		w := gpxWpt{Lat: round7(st.point[1]), Lon: round7(st.point[0]), Type: st.kind}
		switch st.kind {
		case "start":
			w.Name, w.Sym = "0. "+st.name(), "Flag, Green"
		case "key_area":
			w.Name, w.Sym = fmt.Sprintf("%d. %s", i, st.name()), "Flag, Red"
			w.Desc = fmt.Sprintf("Khu vực trọng điểm; lưu lại %d phút", st.dwell)
		default:
			w.Name, w.Sym = fmt.Sprintf("%d. %s", i, st.name()), "Flag, Blue"
			w.Desc = fmt.Sprintf("Vùng chưa được tuần tra (ô H3 %s); lưu lại %d phút", st.Cell, st.dwell)
		}
		doc.Waypoints = append(doc.Waypoints, w)
	}
	trk := gpxTrkPlan{Name: doc.Metadata.Name, Desc: doc.Metadata.Desc, Type: p.routing}
	for _, l := range p.legs {
		var seg gpxTrkSegP
		for _, pt := range l.line {
			seg.Points = append(seg.Points, gpxTrkPt{Lat: round7(pt[1]), Lon: round7(pt[0])})
		}
		trk.Segments = append(trk.Segments, seg)
	}
	if len(trk.Segments) > 0 {
		doc.Tracks = []gpxTrkPlan{trk}
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", " ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("write GPX: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// ---- POST /api/v1/plan/evaluate ----

// readRouteGeometry reads a route from a request body: a GeoJSON geometry, Feature or
// FeatureCollection of LineStrings and MultiLineStrings. It returns the lines and the Feature's
// properties, if any.
func readRouteGeometry(c *gin.Context) (orb.MultiLineString, map[string]any, error) {
	var probe struct {
		Type string `json:"type"`
	}
	var raw json.RawMessage
	if err := decodeJSON(c, &raw); err != nil {
		return nil, nil, err
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, nil, badField("body", "must be a GeoJSON object")
	}
	var g orb.Geometry
	var props map[string]any
	switch probe.Type {
	case "Feature":
		f, err := geojson.UnmarshalFeature(raw)
		if err != nil {
			return nil, nil, badField("geometry", "not a GeoJSON Feature: "+err.Error())
		}
		g, props = f.Geometry, f.Properties
	case "FeatureCollection":
		fc, err := geojson.UnmarshalFeatureCollection(raw)
		if err != nil {
			return nil, nil, badField("geometry", "not a GeoJSON FeatureCollection: "+err.Error())
		}
		var coll orb.Collection
		for _, f := range fc.Features {
			if _, isPoint := f.Geometry.(orb.Point); !isPoint {
				coll = append(coll, f.Geometry)
			}
		}
		g = coll
	case "":
		return nil, nil, badField("type", "required: a GeoJSON geometry, Feature or FeatureCollection")
	default:
		geom, err := geojson.UnmarshalGeometry(raw)
		if err != nil {
			return nil, nil, badField("geometry", "not a GeoJSON geometry: "+err.Error())
		}
		g = geom.Geometry()
	}
	lines, err := geo.RouteLines(g)
	if err != nil {
		var fe *geo.FieldError
		if errors.As(err, &fe) {
			return nil, nil, badField(fe.Field, fe.Reason)
		}
		return nil, nil, err
	}
	return lines, props, nil
}

// evaluatePlan answers POST /api/v1/plan/evaluate?unit[&night][&nights]: a drawn route's
// length, its time on foot (1.4 m/s) and by motorbike (8 m/s), the cells never patrolled in the
// look-back that it would cover and the key areas it reaches, as a FeatureCollection of those
// cells and areas with the summary beside it.
func (s *Server) evaluatePlan(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	night, nights, lookback, ok := s.planNight(c, u)
	if !ok {
		return
	}
	lines, _, err := readRouteGeometry(c)
	if err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	a, err := s.analyseGaps(ctx, u, lookback)
	if err != nil {
		fail(c, err)
		return
	}
	cells, err := geo.CellsAlong(lines, a.Res)
	if err != nil {
		fail(c, badField("geometry", err.Error()))
		return
	}
	gain, gaps, areas := gain(a, cells)
	length := geo.RouteLength(lines)
	fs := make([]Feature, 0, len(gaps)+len(areas))
	for _, g := range gaps {
		geom, err := planCellGeometry(g.Cell)
		if err != nil {
			fail(c, err)
			return
		}
		fs = append(fs, Feature{Type: "Feature", ID: g.Cell.String(), Geometry: geom, Properties: map[string]any{
			"kind": "gap", "cell": g.Cell.String(), "risk": math.Round(g.Risk*100) / 100, "incidents": g.In.Count,
			"incidents_near": g.Near.Count, "key_areas": nonNilStrings(g.KeyAreas)}})
	}
	var areaList []map[string]any
	for _, ar := range areas {
		props := map[string]any{"kind": "key_area", "area_id": ar.Area.ID, "name": ar.Area.Name, "area_kind": ar.Area.Kind,
			"below_requirement": ar.Below(), "nights_met": ar.Met, "nights": len(ar.Nights)}
		fs = append(fs, Feature{Type: "Feature", ID: fmt.Sprintf("area-%d", ar.Area.ID), Geometry: ar.Area.Geometry, Properties: props})
		areaList = append(areaList, map[string]any{"area_id": ar.Area.ID, "name": ar.Area.Name, "below_requirement": ar.Below()})
	}
	if areaList == nil {
		areaList = []map[string]any{}
	}
	walk := geo.TravelMinutes(length, geo.WalkSpeedMS)
	moto := geo.TravelMinutes(length, geo.MotorbikeSpeedMS)
	out := struct {
		Type       string         `json:"type"`
		Features   []Feature      `json:"features"`
		Evaluation map[string]any `json:"evaluation"`
		Warnings   []string       `json:"warnings,omitempty"`
	}{Type: "FeatureCollection", Features: fs, Warnings: a.Warnings, Evaluation: map[string]any{
		"unit": u.Code, "night": night.String(), "nights": nights, "lookback_from": rfc3339(lookback.From), "lookback_to": rfc3339(lookback.To),
		"gaps_from": night.AddDays(-nights).String(), "gaps_to": night.String(), "gaps_min_nights": a.MinNights,
		"length_m": math.Round(length*10) / 10, "km": math.Round(length) / 1000,
		"walk_min": math.Round(walk*10) / 10, "motorbike_min": math.Round(moto*10) / 10,
		"walk_speed_ms": geo.WalkSpeedMS, "motorbike_speed_ms": geo.MotorbikeSpeedMS,
		"cells": len(cells), "gain": gain, "key_areas": areaList,
	}}
	if out.Features == nil {
		out.Features = []Feature{}
	}
	writeGeoJSON(c, out)
}

// planCellGeometry writes the hexagon of a cell as a GeoJSON Polygon.
func planCellGeometry(c h3.Cell) (json.RawMessage, error) {
	poly, err := geo.CellPolygon(c)
	if err != nil {
		return nil, err
	}
	for i := range poly[0] {
		poly[0][i] = orb.Point{round7(poly[0][i][0]), round7(poly[0][i][1])}
	}
	return json.Marshal(geojson.NewGeometry(poly))
}

// ---- saved routes ----

func routeFeature(r patrol.Route) Feature {
	props := map[string]any{}
	if len(r.Properties) > 0 {
		json.Unmarshal(r.Properties, &props)
	}
	props["id"] = r.ID
	props["name"] = r.Name
	props["kind"] = r.Kind
	props["night"] = nil
	if r.Night != "" {
		props["night"] = r.Night
	}
	props["length_m"] = math.Round(r.LengthM*10) / 10
	props["km"] = math.Round(r.LengthM) / 1000
	props["created_by"] = r.CreatedByName
	props["created_at"] = rfc3339(r.CreatedAt)
	return Feature{Type: "Feature", ID: r.ID, Geometry: r.Geometry, Properties: props}
}

// listRoutes answers GET /api/v1/routes?unit[&night][&from&to]: the saved routes of a night
// (or of the nights from ≤ night < to; all when neither is given).
func (s *Server) listRoutes(c *gin.Context) {
	db := s.db
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	from, to := c.Query("from"), c.Query("to")
	if n := c.Query("night"); n != "" {
		d, err := geo.ParseDate(n)
		if err != nil {
			writeProblem(c, badField("night", "must be a date YYYY-MM-DD"))
			return
		}
		from, to = d.String(), d.AddDays(1).String()
	}
	for field, v := range map[string]string{"from": from, "to": to} {
		if _, err := geo.ParseDate(v); v != "" && err != nil {
			writeProblem(c, badField(field, "must be a date YYYY-MM-DD"))
			return
		}
	}
	list, err := db.ListRoutes(c.Request.Context(), u.ID, from, to)
	if err != nil {
		fail(c, err)
		return
	}
	fs := make([]Feature, len(list))
	for i, r := range list {
		fs[i] = routeFeature(r)
	}
	writeGeoJSON(c, featureCollection(fs))
}

// createRoute answers POST /api/v1/routes?unit[&night]: a GeoJSON Feature (or bare geometry)
// LineString or MultiLineString with properties name, kind (planned or suggested) and night;
// other properties (such as the stops of a suggested route) are kept.
func (s *Server) createRoute(c *gin.Context) {
	db := s.db
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	lines, props, err := readRouteGeometry(c)
	if err != nil {
		fail(c, err)
		return
	}
	if props == nil {
		props = map[string]any{}
	}
	str := func(k string) string {
		v, _ := props[k].(string)
		delete(props, k)
		return strings.TrimSpace(v)
	}
	r := patrol.Route{UnitID: u.ID, Name: str("name"), Kind: str("kind"), Night: str("night")}
	if q := c.Query("night"); q != "" {
		r.Night = q
	}
	if r.Kind == "" {
		r.Kind = patrol.RoutePlanned
	}
	var fields []FieldError
	if !patrol.ValidRouteKind(r.Kind) {
		fields = append(fields, FieldError{Field: "kind", Message: "must be planned or suggested"})
	}
	if len(r.Name) > 200 {
		fields = append(fields, FieldError{Field: "name", Message: "at most 200 characters"})
	}
	if r.Night != "" {
		if _, err := geo.ParseDate(r.Night); err != nil {
			fields = append(fields, FieldError{Field: "night", Message: "must be a date YYYY-MM-DD"})
		}
	}
	if len(fields) > 0 {
		writeProblem(c, problem(http.StatusBadRequest, "the route has bad fields", fields...))
		return
	}
	for _, k := range []string{"id", "length_m", "km", "created_by", "created_at"} {
		delete(props, k)
	}
	var geom orb.Geometry = lines
	if len(lines) == 1 {
		geom = lines[0]
	}
	if r.Geometry, err = json.Marshal(geojson.NewGeometry(geom)); err != nil {
		fail(c, err)
		return
	}
	if r.Properties, err = json.Marshal(props); err != nil {
		fail(c, err)
		return
	}
	caller := callerOf(c)
	r.CreatedBy, r.CreatedByName = caller.User.ID, caller.User.Username
	saved, err := db.CreateRoute(c.Request.Context(), r)
	if err != nil {
		fail(c, err)
		return
	}
	detail, _ := json.Marshal(map[string]any{"name": saved.Name, "night": saved.Night, "kind": saved.Kind, "length_m": math.Round(saved.LengthM)})
	s.audit(c, u.ID, "route.create", strconv.FormatInt(saved.ID, 10), detail)
	c.Header("Location", "/api/v1/routes/"+strconv.FormatInt(saved.ID, 10))
	body, err := json.Marshal(routeFeature(saved))
	if err != nil {
		fail(c, err)
		return
	}
	c.Data(http.StatusCreated, "application/geo+json", body)
}

// deleteRoute answers DELETE /api/v1/routes/{id}.
func (s *Server) deleteRoute(c *gin.Context) {
	db := s.db
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	ctx := c.Request.Context()
	r, err := db.RouteByID(ctx, id)
	if err != nil {
		fail(c, err)
		return
	}
	if !callerOf(c).InScope(r.UnitID) {
		writeProblem(c, problem(http.StatusForbidden, "this route is outside your scope"))
		return
	}
	if err := db.DeleteRoute(ctx, id); err != nil {
		fail(c, err)
		return
	}
	s.audit(c, r.UnitID, "route.delete", strconv.FormatInt(id, 10), nil)
	c.Status(http.StatusNoContent)
}
