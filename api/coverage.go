package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"

	"github.com/patrolmap/patrolmap/app/coverage"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// CoverageBackend is the storage the coverage analyses need (app/coverage's Store: the passes
// through cells, read from the rollups, caught up first).
type CoverageBackend interface {
	coverage.Store
}

// coverageRoutes registers coverage, gaps, compliance and tracks.
func (s *Server) coverageRoutes(v1 *gin.RouterGroup) {
	v1.GET("/coverage", s.requireUser, s.coverage)
	v1.GET("/gaps", s.requireUser, s.gaps)
	v1.GET("/compliance", s.requireUser, s.compliance)
	v1.GET("/tracks", s.requireUser, s.tracks)
}

// coverageCollection is a GeoJSON FeatureCollection with foreign members that describe the query.
type coverageCollection struct {
	Type     string         `json:"type"`
	Features []Feature      `json:"features"`
	Query    map[string]any `json:"query"`
	Overall  any            `json:"overall,omitempty"`
	Warnings []string       `json:"warnings,omitempty"` // what was left out of the answer, and why
}

func newCoverageCollection(fs []Feature, query map[string]any) coverageCollection {
	if fs == nil {
		fs = []Feature{}
	}
	return coverageCollection{Type: "FeatureCollection", Features: fs, Query: query}
}

// coverage answers GET /api/v1/coverage: the cells with at least one pass.
func (s *Server) coverage(c *gin.Context) {
	q, ok := s.coverageQuery(c, true)
	if !ok {
		return
	}
	visits, err := s.db.CoverageVisits(c.Request.Context(), q.unit.ID, q.device.ID, q.res, q.window, q.period, nil)
	if err != nil {
		fail(c, err)
		return
	}
	cov := geo.MergeCoverage(visits)
	fs := make([]Feature, 0, len(cov))
	for _, cc := range cov {
		g, err := geo.CellGeoJSON(cc.Cell)
		if err != nil {
			fail(c, err)
			return
		}
		fs = append(fs, Feature{Type: "Feature", ID: cc.Cell.String(), Geometry: g, Properties: map[string]any{
			"cell": cc.Cell.String(), "passes": cc.Passes, "dwell_s": roundTo(cc.DwellS, 1), "nights": cc.Nights,
			"last_visit": rfc3339(cc.LastVisit),
		}})
	}
	writeGeoJSON(c, newCoverageCollection(fs, q.describe()))
}

// deviceQuery is what /coverage and /tracks read: the unit (in the caller's scope), the window,
// for /coverage the resolution, the period and the optional device.
type deviceQuery struct {
	unit   patrol.Unit
	window geo.Window
	res    int
	hasRes bool // res was read (for /coverage)
	period geo.Period
	device patrol.Device
}

// coverageQuery reads a deviceQuery in that order (res only when withRes), answering the
// problem itself when a parameter is bad.
func (s *Server) coverageQuery(c *gin.Context, withRes bool) (deviceQuery, bool) {
	var q deviceQuery
	var ok bool
	if q.unit, ok = s.unitInScope(c, "unit", c.Query("unit")); !ok {
		return q, false
	}
	window, err := geo.ParseWindow(c.Query("window"))
	if err != nil {
		coverageFieldError(c, err, "window")
		return q, false
	}
	q.window = window
	if q.hasRes = withRes; withRes {
		if q.res, ok = coverageRes(c, q.unit); !ok {
			return q, false
		}
	}
	if q.period, ok = s.period(c, q.unit, window); !ok {
		return q, false
	}
	q.device, ok = s.coverageDevice(c, q.unit)
	return q, ok
}

// describe is the query member of an answer: the period, and res and device when set.
func (q deviceQuery) describe() map[string]any {
	out := coveragePeriodQuery(q.unit, q.period, q.window)
	if q.hasRes {
		out["res"] = q.res
	}
	if q.device.ID > 0 {
		out["device"] = q.device.Ident
	}
	return out
}

// compliance answers GET /api/v1/compliance: every key area and key road, night by night.
func (s *Server) compliance(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	p, ok := s.period(c, u, geo.WindowNight)
	if !ok {
		return
	}
	now := s.cfg.Now()
	areas, warnings, err := coverage.Compliance(c.Request.Context(), s.db, u, p, now)
	if err != nil {
		fail(c, err)
		return
	}
	fs := make([]Feature, 0, len(areas))
	for i := range areas {
		a := &areas[i]
		fs = append(fs, Feature{Type: "Feature", ID: a.Area.ID, Geometry: a.Area.Geometry, Properties: map[string]any{
			"area_id": a.Area.ID, "name": a.Area.Name, "kind": a.Area.Kind, "required": a.Area.RequiredNightVisits,
			"min_dwell_min": a.Area.MinDwellMin, "percent": areaPercent(a), "nights_met": a.Met, "nights_judged": a.Judged(),
			"nights": complianceNights(a),
		}})
	}
	q := coveragePeriodQuery(u, p, geo.WindowNight)
	q["as_of"] = rfc3339(now)
	out := newCoverageCollection(fs, q)
	t := coverage.TallyOf(areas)
	overall := map[string]any{"percent": nil, "area_nights_met": t.Met, "area_nights_judged": t.Judged, "area_nights": t.Nights}
	if pct, ok := t.Percent(); ok {
		overall["percent"] = roundTo(pct, 1)
	}
	out.Overall = overall
	out.Warnings = warnings
	writeGeoJSON(c, out)
}

// complianceNight is one night of a key area in a compliance answer.
type complianceNight struct {
	Date     string  `json:"date"`
	Visits   int     `json:"visits"`
	DwellMin float64 `json:"dwell_min"`
	Meets    bool    `json:"meets"`
	Open     bool    `json:"open"` // not over at the answer's as_of and not met yet: not judged
}

func complianceNights(a *coverage.KeyArea) []complianceNight {
	out := make([]complianceNight, len(a.Nights))
	for i, n := range a.Nights {
		out[i] = complianceNight{Date: n.Date.String(), Visits: n.Visits, DwellMin: roundTo(n.DwellMin, 1), Meets: n.Meets, Open: n.Open}
	}
	return out
}

// areaNightCounts are a key area's nights as /gaps and the plan answer them, counted as
// /compliance counts them: nights of the period, met, judged, missed (judged and not met) and
// open (not over and not met yet at the answer's as_of: not judged), with the open nights' dates.
func areaNightCounts(a *coverage.KeyArea) map[string]any {
	open := make([]string, 0, a.Open)
	for _, d := range a.OpenNights() {
		open = append(open, d.String())
	}
	return map[string]any{"nights": len(a.Nights), "nights_met": a.Met, "nights_judged": a.Judged(),
		"nights_missed": a.Missed(), "nights_open": a.Open, "open_nights": open}
}

// areaPercent is an area's share of judged nights met, rounded to 0.1; nil when none was judged.
func areaPercent(a *coverage.KeyArea) *float64 {
	v, ok := a.Percent()
	if !ok {
		return nil
	}
	v = roundTo(v, 1)
	return &v
}

// gaps answers GET /api/v1/gaps[&lang]: the study-area cells visited on fewer than min_nights nights
// and the key areas that missed their requirement on some judged night, ranked by risk
// (app/coverage's gap model), judged as of the server's clock (query.as_of) as /compliance judges
// them; each gap's reason in lang (vi by default, or en).
func (s *Server) gaps(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	minNights, ok := minNightsParam(c)
	if !ok {
		return
	}
	lang, ok := queryLang(c)
	if !ok {
		return
	}
	p, ok := s.period(c, u, geo.WindowNight)
	if !ok {
		return
	}
	now := s.cfg.Now()
	g, err := coverage.FindGaps(c.Request.Context(), s.db, u, p, minNights, now)
	if err != nil {
		fail(c, err)
		return
	}
	ranked := g.Ranked()
	fs := make([]Feature, 0, len(ranked))
	for i, gp := range ranked {
		f, err := gapFeature(i+1, gp, g.Reason(gp, lang), len(g.Nights))
		if err != nil {
			fail(c, err)
			return
		}
		fs = append(fs, f)
	}
	q := coveragePeriodQuery(u, p, geo.WindowNight)
	q["min_nights"] = minNights
	q["res"] = g.Res
	q["incidents_from"] = rfc3339(g.IncidentsFrom)
	q["as_of"] = rfc3339(now)
	out := newCoverageCollection(fs, q)
	out.Warnings = g.Warnings
	writeGeoJSON(c, out)
}

// gapFeature is one ranked gap as a GeoJSON Feature.
func gapFeature(rank int, gp coverage.Gap, reason string, nights int) (Feature, error) {
	in, near := gapHistory(gp)
	props := map[string]any{
		"rank": rank, "risk": roundTo(gp.Risk(), 2), "reason": reason,
		"incidents": in.Count, "incident_severity": in.Severity,
		"incidents_near": near.Count, "incident_severity_near": near.Severity,
	}
	if a := gp.Area; a != nil {
		props["kind"] = "area"
		props["area_id"] = a.Area.ID
		props["name"] = a.Area.Name
		props["area_kind"] = a.Area.Kind
		props["required"] = a.Area.RequiredNightVisits
		for k, v := range areaNightCounts(a) {
			props[k] = v
		}
		props["percent"] = areaPercent(a)
		cells := make([]string, len(a.Cells))
		for i, c := range a.Cells {
			cells[i] = c.String()
		}
		props["cells"] = cells
		return Feature{Type: "Feature", ID: rank, Geometry: a.Area.Geometry, Properties: props}, nil
	}
	geom, err := geo.CellGeoJSON(gp.Cell.Cell)
	if err != nil {
		return Feature{}, err
	}
	props["kind"] = "cell"
	props["cell"] = gp.Cell.Cell.String()
	props["nights_visited"] = gp.Cell.Nights
	props["nights"] = nights
	props["key_areas"] = orEmpty(gp.Cell.KeyAreas)
	return Feature{Type: "Feature", ID: rank, Geometry: geom, Properties: props}, nil
}

func gapHistory(gp coverage.Gap) (in, near coverage.Incidents) {
	if gp.Area != nil {
		return gp.Area.In, gp.Area.Near
	}
	return gp.Cell.In, gp.Cell.Near
}

// tracks answers GET /api/v1/tracks: per device, its fixes cleaned as coverage cleans them and
// joined into lines (coverage.Tracks).
func (s *Server) tracks(c *gin.Context) {
	q, ok := s.coverageQuery(c, false)
	if !ok {
		return
	}
	list, err := coverage.Tracks(c.Request.Context(), s.db, q.unit, q.device.ID, q.window, q.period)
	if err != nil {
		fail(c, err)
		return
	}
	fs := []Feature{}
	for _, t := range list {
		props := map[string]any{"device": t.Device, "fixes": t.Fixes, "km": roundTo(t.KM, 3), "lines": len(t.Lines),
			"first": rfc3339(t.First), "last": rfc3339(t.Last)}
		if name := s.officerOf(c.Request.Context(), t.Device, t.Last); name != "" {
			props["officer"] = name
		}
		fs = append(fs, Feature{Type: "Feature", ID: t.Device, Geometry: coverageMultiLine(t.Lines), Properties: props})
	}
	writeGeoJSON(c, newCoverageCollection(fs, q.describe()))
}

// minNightsParam reads min_nights, 1 to coverage.MaxMinNights, default 1.
func minNightsParam(c *gin.Context) (int, bool) {
	v := c.Query("min_nights")
	if v == "" {
		return 1, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > coverage.MaxMinNights {
		writeProblem(c, badField("min_nights", fmt.Sprintf("must be an integer from 1 to %d", coverage.MaxMinNights)))
		return 0, false
	}
	return n, true
}

// coverageRes reads the res parameter: the unit's resolution when absent.
func coverageRes(c *gin.Context, u patrol.Unit) (int, bool) {
	v := c.Query("res")
	if v == "" {
		return u.H3Res, true
	}
	res, err := strconv.Atoi(v)
	if err != nil || !geo.ValidRes(res) {
		writeProblem(c, badField("res", fmt.Sprintf("must be an H3 resolution from %d to %d", geo.MinRes, geo.MaxRes)))
		return 0, false
	}
	return res, true
}

// coverageDevice reads the optional device parameter, a device id of the unit.
func (s *Server) coverageDevice(c *gin.Context, u patrol.Unit) (patrol.Device, bool) {
	ident := c.Query("device")
	if ident == "" {
		return patrol.Device{}, true
	}
	if !validIdent(ident) {
		writeProblem(c, badField("device", identProblem))
		return patrol.Device{}, false
	}
	d, err := s.db.DeviceByIdent(c.Request.Context(), ident)
	if errors.Is(err, patrol.ErrNotFound) || (err == nil && d.UnitID != u.ID) {
		writeProblem(c, problem(http.StatusNotFound, "no device "+strconv.Quote(ident)+" in this unit", FieldError{"device", "unknown device"}))
		return patrol.Device{}, false
	}
	if err != nil {
		fail(c, err)
		return patrol.Device{}, false
	}
	return d, true
}

// coverageFieldError answers 400 for a *geo.FieldError, naming field when it names none.
func coverageFieldError(c *gin.Context, err error, field string) {
	var fe *geo.FieldError
	if errors.As(err, &fe) {
		writeProblem(c, badField(fe.Field, fe.Reason))
		return
	}
	writeProblem(c, badField(field, err.Error()))
}

// coveragePeriodQuery describes the period of an answer.
func coveragePeriodQuery(u patrol.Unit, p geo.Period, window geo.Window) map[string]any {
	return map[string]any{"unit": u.Code, "from": rfc3339(p.From), "to": rfc3339(p.To), "window": string(window),
		"nights": len(geo.NightDates(p, location(u), nightWindow(u)))}
}

// coverageMultiLine writes lines as a GeoJSON MultiLineString.
func coverageMultiLine(lines orb.MultiLineString) json.RawMessage {
	var b strings.Builder
	b.WriteString(`{"type":"MultiLineString","coordinates":[`)
	for i, l := range lines {
		if i > 0 {
			b.WriteByte(',')
		}
		coveragePoints(&b, l)
	}
	b.WriteString(`]}`)
	return json.RawMessage(b.String())
}

// coveragePoints writes [[lon,lat],...] rounded to 1e-7 degrees.
func coveragePoints[P ~[]orb.Point](b *strings.Builder, pts P) {
	b.WriteByte('[')
	for i, pt := range pts {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		b.WriteString(strconv.FormatFloat(round7(pt[0]), 'f', -1, 64))
		b.WriteByte(',')
		b.WriteString(strconv.FormatFloat(round7(pt[1]), 'f', -1, 64))
		b.WriteByte(']')
	}
	b.WriteByte(']')
}

// roundTo rounds v to the given number of decimals.
func roundTo(v float64, decimals int) float64 {
	k := math.Pow(10, float64(decimals))
	return math.Round(v*k) / k
}
