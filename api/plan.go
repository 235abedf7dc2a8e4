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
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/patrolmap/patrolmap/app/coverage"
	"github.com/patrolmap/patrolmap/app/night"
	"github.com/patrolmap/patrolmap/app/planning"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// PlanBackend is the storage route planning (app/planning) and the saved routes need
// (store/routing.go, store/routes.go).
type PlanBackend interface {
	planning.Store

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

// planLookBack reads night (a local date; default the night in progress or, by day, tonight)
// and nights (the look-back, default planning.DefaultNights).
func (s *Server) planLookBack(c *gin.Context, u patrol.Unit) (planning.LookBack, bool) {
	night := planning.Tonight(u, s.cfg.Now())
	if raw := c.Query("night"); raw != "" {
		d, err := geo.ParseDate(raw)
		if err != nil {
			writeProblem(c, badField("night", "must be a date YYYY-MM-DD"))
			return planning.LookBack{}, false
		}
		night = d
	}
	nights, ok := planInt(c, "nights", planning.DefaultNights, 1, planning.MaxNights)
	if !ok {
		return planning.LookBack{}, false
	}
	l, err := planning.LookBackOf(u, night, nights)
	if err != nil {
		fail(c, err)
		return planning.LookBack{}, false
	}
	return l, true
}

// maxKmParam reads max_km, the longest route in kilometres, planning.MinKm to planning.MaxKm.
func maxKmParam(c *gin.Context) (float64, bool) {
	raw := strings.TrimSpace(c.Query("max_km"))
	if raw == "" {
		return planning.DefaultMaxKm, true
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil || !(v >= planning.MinKm && v <= planning.MaxKm) {
		writeProblem(c, badField("max_km", fmt.Sprintf("must be a number of kilometres from %g to %g", planning.MinKm, planning.MaxKm)))
		return 0, false
	}
	return v, true
}

// startParam reads start=LAT,LON; nil when it is absent.
func startParam(c *gin.Context) (*orb.Point, bool) {
	raw := strings.TrimSpace(c.Query("start"))
	if raw == "" {
		return nil, true
	}
	la, lo, found := strings.Cut(raw, ",")
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(la), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(lo), 64)
	if !found || err1 != nil || err2 != nil || !(math.Abs(lat) <= 90 && math.Abs(lon) <= 180) { // NaN too
		writeProblem(c, badField("start", "must be LAT,LON in degrees, such as 21.4705,105.8512"))
		return nil, false
	}
	return &orb.Point{lon, lat}, true
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

// planRequest reads the parameters of GET /api/v1/plan.
func (s *Server) planRequest(c *gin.Context, u patrol.Unit) (planning.Request, bool) {
	var req planning.Request
	var ok bool
	if req.LookBack, ok = s.planLookBack(c, u); !ok {
		return req, false
	}
	if req.MaxKm, ok = maxKmParam(c); !ok {
		return req, false
	}
	if req.Targets, ok = planInt(c, "targets", planning.DefaultTargets, 1, planning.MaxTargets); !ok {
		return req, false
	}
	if req.Start, ok = startParam(c); !ok {
		return req, false
	}
	req.Order, req.Seed, ok = planOrderParams(c, req.Night)
	return req, ok
}

// planOrderParams reads order (shortest, the default, or random) and seed, an integer; a random
// order without a seed takes the night's date (20240301), so it changes from night to night.
func planOrderParams(c *gin.Context, night geo.Date) (string, int64, bool) {
	order := c.Query("order")
	switch order {
	case "":
		order = planning.OrderShortest
	case planning.OrderShortest, planning.OrderRandom:
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

// getPlan answers GET /api/v1/plan?unit&night&start&max_km[&nights][&targets][&lang][&format=gpx]: a
// suggested closed route from the start (the ward office by default) through the key areas due
// a visit on the night (not met there yet at the server's clock) and the riskiest cells never
// patrolled in the last nights and the night so far (planning.Suggest). Its names and
// descriptions are in lang (vi by default, or en), in the GeoJSON and the GPX alike.
func (s *Server) getPlan(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	format := c.Query("format")
	if format != "" && format != "geojson" && format != "gpx" {
		writeProblem(c, badField("format", "must be geojson or gpx"))
		return
	}
	lang, ok := queryLang(c)
	if !ok {
		return
	}
	req, ok := s.planRequest(c, u)
	if !ok {
		return
	}
	p, err := planning.Suggest(c.Request.Context(), s.db, u, req, s.cfg.Now())
	if err != nil {
		fail(c, err)
		return
	}
	if format == "gpx" {
		body, err := planGPX(p, s.cfg.Now(), lang)
		if err != nil {
			fail(c, err)
			return
		}
		c.Header("Cache-Control", "no-store")
		c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, p.FileName(lang)))
		c.Data(http.StatusOK, "application/gpx+xml", body)
		return
	}
	writeGeoJSON(c, planFeatureCollection(p, lang))
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

// lookBackSummary names the look-back and the period its gaps were computed over, as
// GET /api/v1/gaps takes it: expected_gain.gap_cells is the number of cell features /gaps
// answers for gaps_from–gaps_to with min_nights=gaps_min_nights, and expected_gain.key_areas_below
// the number of its area features, at the same as_of.
func lookBackSummary(g *coverage.Gaps, l planning.LookBack) map[string]any {
	return map[string]any{
		"unit": g.Unit.Code, "night": l.Night.String(), "nights": l.Nights,
		"lookback_from": rfc3339(l.Period.From), "lookback_to": rfc3339(l.Period.To),
		"gaps_from": l.GapsFrom().String(), "gaps_to": l.GapsTo().String(), "gaps_min_nights": g.MinNights,
		"as_of": rfc3339(g.AsOf),
	}
}

func planSummary(p *planning.Plan) map[string]any {
	walk := geo.TravelMinutes(p.LengthM, geo.WalkSpeedMS)
	moto := geo.TravelMinutes(p.LengthM, geo.MotorbikeSpeedMS)
	out := lookBackSummary(p.Gaps, p.LookBack)
	for k, v := range map[string]any{
		"max_km": p.MaxKm, "routing": p.Routing, "order": p.Order,
		"road_network": map[string]any{"roads": p.Network.Roads, "nodes": p.Network.Nodes, "edges": p.Network.Edges, "pgrouting": p.Network.Routing},
		"length_m":     math.Round(p.LengthM), "km": math.Round(p.LengthM) / 1000,
		"walk_min": math.Round(walk), "motorbike_min": math.Round(moto), "dwell_min": p.DwellMin,
		"total_walk_min": math.Round(walk) + float64(p.DwellMin), "total_motorbike_min": math.Round(moto) + float64(p.DwellMin),
		"stops": len(p.Stops) - 2, "candidates": p.Considered, "left_out": p.Dropped, "off_road": p.OffRoad,
		"straight_legs": p.StraightLegs(), "expected_gain": p.Gain, "tonight": nightSoFar(p.Tonight),
	} {
		out[k] = v
	}
	if p.Order == planning.OrderRandom {
		out["seed"], out["randomized"] = p.Seed, p.Randomized
	}
	return out
}

// areaTonight is where a key area stands on the planned night: night_visits counted so far,
// night_status (the night board's met / pending / overdue / missed), met_tonight and due_tonight
// (a target of the plan), and its deadline when it has one.
func areaTonight(a planning.AreaTonight) map[string]any {
	out := map[string]any{"night_visits": a.Visits, "night_status": a.Status, "met_tonight": !a.Due(), "due_tonight": a.Due()}
	if a.Deadline != "" {
		out["deadline"] = a.Deadline
	}
	return out
}

// nightSoFar is the plan's "tonight": the planned night as of the clock (ahead, in_progress or
// over), its key areas by the night board's status, and those met already (done, no target).
func nightSoFar(n *planning.NightSoFar) map[string]any {
	met := []map[string]any{}
	for _, a := range n.Areas {
		if !a.Due() {
			met = append(met, map[string]any{"area_id": a.Area.Area.ID, "name": a.Area.Area.Name, "visits": a.Visits, "required": a.Required})
		}
	}
	return map[string]any{"night": n.Night.String(), "state": n.State(), "as_of": rfc3339(n.AsOf),
		"night_from": rfc3339(n.Period.From), "night_to": rfc3339(n.Period.To), "key_areas": len(n.Areas),
		"met": n.Count(night.StatusMet), "due": n.Due(), "pending": n.Count(night.StatusPending),
		"overdue": n.Count(night.StatusOverdue), "missed": n.Count(night.StatusMissed), "met_areas": met}
}

// planFeatureCollection is the plan as GeoJSON: the route (one MultiLineString, a line per
// leg), each leg (with straight: true when it does not follow roads), then the stops in order,
// named in lang.
func planFeatureCollection(p *planning.Plan, lang string) planCollection {
	out := planCollection{Type: "FeatureCollection", Plan: planSummary(p), Warnings: p.Gaps.Warnings}
	if len(p.Legs) > 0 {
		var lines orb.MultiLineString
		legs := make([]map[string]any, len(p.Legs))
		for i, l := range p.Legs {
			lines = append(lines, planRoundLine(l.Line))
			legs[i] = map[string]any{"seq": i + 1, "length_m": math.Round(l.LengthM), "straight": l.Straight}
		}
		g, _ := json.Marshal(geojson.NewGeometry(lines))
		props := planSummary(p)
		props["kind"] = patrol.RouteSuggested
		props["role"] = "route"
		props["name"] = p.RouteName(lang)
		props["straight"] = p.StraightLegs() > 0
		props["legs"] = legs
		out.Features = append(out.Features, Feature{Type: "Feature", ID: "route", Geometry: g, Properties: props})
	}
	for i, l := range p.Legs {
		to := l.To
		if to == len(p.Stops)-1 {
			to = 0 // back at the start
		}
		out.Features = append(out.Features, Feature{Type: "Feature", ID: fmt.Sprintf("leg-%d", i+1), Geometry: lineGeometry(l.Line),
			Properties: map[string]any{"kind": "leg", "role": "leg", "seq": i + 1, "from": l.From, "to": to,
				"length_m": math.Round(l.LengthM), "straight": l.Straight}})
	}
	along := 0.0
	legAt := map[int]float64{}
	for _, l := range p.Legs {
		along += l.LengthM
		legAt[l.To] = along
	}
	last := 0.0
	for i, st := range p.Stops[:len(p.Stops)-1] { // the last is the return to the start
		if v, ok := legAt[i]; ok {
			last = v
		}
		out.Features = append(out.Features, stopFeature(i, st, last, p.Tonight, lang))
	}
	return out
}

// stopFeature is stop i of a plan, along metres along the route, named in lang; a key area's stop
// says where it stands on the planned night (tonight).
func stopFeature(i int, st planning.Stop, along float64, tonight *planning.NightSoFar, lang string) Feature {
	props := map[string]any{"kind": st.Kind, "role": "stop", "order": i, "name": st.Name(lang), "dwell_min": st.Dwell,
		"along_m": math.Round(along), "walk_min": math.Round(geo.TravelMinutes(along, geo.WalkSpeedMS)),
		"motorbike_min": math.Round(geo.TravelMinutes(along, geo.MotorbikeSpeedMS))}
	if st.Snapped {
		props["snap_m"] = math.Round(st.Snap.DistM)
	}
	if st.Road != "" {
		props["road"] = st.Road // the place in the name, apart from what the name says of it
	}
	switch {
	case st.Gap != nil:
		props["cell"] = st.Cell.String()
		props["risk"] = math.Round(st.Gap.Risk*100) / 100
		props["incidents"] = st.Gap.In.Count
		props["incidents_near"] = st.Gap.Near.Count
		props["key_areas"] = orEmpty(st.Gap.KeyAreas)
	case st.Area != nil:
		props["area_id"] = st.Area.Area.ID
		props["area_kind"] = st.Area.Area.Kind
		props["required"] = st.Area.Area.RequiredNightVisits
		props["min_dwell_min"] = st.Area.Area.MinDwellMin
		for k, v := range areaNightCounts(st.Area) {
			props[k] = v
		}
		for k, v := range areaTonight(tonight.Of(st.Area)) {
			props[k] = v
		}
		if st.Kind == planning.StopKeyArea {
			props["risk"] = math.Round(st.Area.Risk*100) / 100
			props["below_requirement"] = st.Area.Below()
		}
	}
	return Feature{Type: "Feature", ID: fmt.Sprintf("stop-%d", i), Geometry: pointGeometry(st.Point[1], st.Point[0]), Properties: props}
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

// planGPX writes the plan as GPX 1.1 in lang: a waypoint per stop, named as the map names it
// with its order in front ("1. Chợ …") and its suggested stay as its description, and one track
// whose segments are the legs.
func planGPX(p *planning.Plan, now time.Time, lang string) ([]byte, error) {
	doc := gpxDoc{Version: "1.1", Creator: "patrolmap", XMLNS: "http://www.topografix.com/GPX/1/1",
		XSI: "http://www.w3.org/2001/XMLSchema-instance", SchemaLocation: "http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd",
		Metadata: gpxMetadata{Name: p.Title(lang), Desc: p.LengthText(lang), Time: now.UTC().Format(time.RFC3339)}}
	for i, st := range p.Stops[:len(p.Stops)-1] {
		w := gpxWpt{Lat: round7(st.Point[1]), Lon: round7(st.Point[0]), Type: st.Kind,
			Name: fmt.Sprintf("%d. %s", i, st.Name(lang)), Desc: st.Note(lang)}
		switch st.Kind {
		case "start":
			w.Sym = "Flag, Green"
		case "key_area":
			w.Sym = "Flag, Red"
		default:
			w.Sym = "Flag, Blue"
		}
		doc.Waypoints = append(doc.Waypoints, w)
	}
	trk := gpxTrkPlan{Name: doc.Metadata.Name, Desc: doc.Metadata.Desc, Type: p.Routing}
	for _, l := range p.Legs {
		var seg gpxTrkSegP
		for _, pt := range l.Line {
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
	l, ok := s.planLookBack(c, u)
	if !ok {
		return
	}
	lines, _, err := readRouteGeometry(c)
	if err != nil {
		fail(c, err)
		return
	}
	e, err := planning.Evaluate(c.Request.Context(), s.db, u, l, lines, s.cfg.Now())
	if err != nil {
		fail(c, err)
		return
	}
	out, err := evaluationCollection(u, e)
	if err != nil {
		fail(c, err)
		return
	}
	writeGeoJSON(c, out)
}

// evaluation is the answer of POST /api/v1/plan/evaluate: the gap cells and key areas a route
// reaches as features, its summary beside them.
type evaluation struct {
	Type       string         `json:"type"`
	Features   []Feature      `json:"features"`
	Evaluation map[string]any `json:"evaluation"`
	Warnings   []string       `json:"warnings,omitempty"`
}

func evaluationCollection(u patrol.Unit, e *planning.Evaluation) (evaluation, error) {
	fs := make([]Feature, 0, len(e.GapCells)+len(e.KeyAreas))
	for _, g := range e.GapCells {
		geom, err := geo.CellGeoJSON(g.Cell)
		if err != nil {
			return evaluation{}, err
		}
		fs = append(fs, Feature{Type: "Feature", ID: g.Cell.String(), Geometry: geom, Properties: map[string]any{
			"kind": "gap", "cell": g.Cell.String(), "risk": math.Round(g.Risk*100) / 100, "incidents": g.In.Count,
			"incidents_near": g.Near.Count, "key_areas": orEmpty(g.KeyAreas)}})
	}
	areaList := []map[string]any{}
	for _, ar := range e.KeyAreas {
		props := map[string]any{"kind": "key_area", "area_id": ar.Area.ID, "name": ar.Area.Name, "area_kind": ar.Area.Kind,
			"below_requirement": ar.Below(), "due": e.Tonight.Of(ar).Due()}
		for k, v := range areaNightCounts(ar) {
			props[k] = v
		}
		for k, v := range areaTonight(e.Tonight.Of(ar)) {
			props[k] = v
		}
		fs = append(fs, Feature{Type: "Feature", ID: fmt.Sprintf("area-%d", ar.Area.ID), Geometry: ar.Area.Geometry, Properties: props})
		areaList = append(areaList, map[string]any{"area_id": ar.Area.ID, "name": ar.Area.Name, "below_requirement": ar.Below(),
			"nights_open": ar.Open, "due": e.Tonight.Of(ar).Due(), "night_status": e.Tonight.Of(ar).Status})
	}
	walk := geo.TravelMinutes(e.LengthM, geo.WalkSpeedMS)
	moto := geo.TravelMinutes(e.LengthM, geo.MotorbikeSpeedMS)
	summary := lookBackSummary(e.Gaps, e.LookBack)
	for k, v := range map[string]any{
		"length_m": math.Round(e.LengthM*10) / 10, "km": math.Round(e.LengthM) / 1000,
		"walk_min": math.Round(walk*10) / 10, "motorbike_min": math.Round(moto*10) / 10,
		"walk_speed_ms": geo.WalkSpeedMS, "motorbike_speed_ms": geo.MotorbikeSpeedMS,
		"cells": e.Cells, "gain": e.Gain, "key_areas": areaList, "tonight": nightSoFar(e.Tonight),
	} {
		summary[k] = v
	}
	return evaluation{Type: "FeatureCollection", Features: fs, Evaluation: summary, Warnings: e.Gaps.Warnings}, nil
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
	list, err := s.db.ListRoutes(c.Request.Context(), u.ID, from, to)
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
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	lines, props, err := readRouteGeometry(c)
	if err != nil {
		fail(c, err)
		return
	}
	r, ok := routeRecord(c, u, lines, props)
	if !ok {
		return
	}
	caller := callerOf(c)
	r.CreatedBy, r.CreatedByName = caller.User.ID, caller.User.Username
	saved, err := s.db.CreateRoute(c.Request.Context(), r)
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

// routeRecord builds the route to save from its lines and the Feature's properties (name, kind,
// night; the rest is kept), answering the problem itself when a field is bad.
func routeRecord(c *gin.Context, u patrol.Unit, lines orb.MultiLineString, props map[string]any) (patrol.Route, bool) {
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
		return r, false
	}
	for _, k := range []string{"id", "length_m", "km", "created_by", "created_at"} {
		delete(props, k)
	}
	var geom orb.Geometry = lines
	if len(lines) == 1 {
		geom = lines[0]
	}
	var err error
	if r.Geometry, err = json.Marshal(geojson.NewGeometry(geom)); err != nil {
		fail(c, err)
		return r, false
	}
	if r.Properties, err = json.Marshal(props); err != nil {
		fail(c, err)
		return r, false
	}
	return r, true
}

// deleteRoute answers DELETE /api/v1/routes/{id}.
func (s *Server) deleteRoute(c *gin.Context) {
	r, ok := inScopeByID(c, "route", s.db.RouteByID, func(r patrol.Route) int { return r.UnitID })
	if !ok {
		return
	}
	if err := s.db.DeleteRoute(c.Request.Context(), r.ID); err != nil {
		fail(c, err)
		return
	}
	s.audit(c, r.UnitID, "route.delete", strconv.FormatInt(r.ID, 10), nil)
	c.Status(http.StatusNoContent)
}
