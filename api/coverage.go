package api

import (
	"cmp"
	"context"
	"encoding/json"
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
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// CoverageBackend is the storage the coverage analyses need.
type CoverageBackend interface {
	// CoverageVisits returns the passes of a unit's devices (one device when deviceID > 0)
	// through the H3 cells of resolution res, counting only time inside window and the bounded
	// period p; cells, when not nil, limits them to those cells. They come from the rollups,
	// caught up first, at the unit's own resolution.
	CoverageVisits(ctx context.Context, unitID, deviceID, res int, window geo.Window, p geo.Period, cells []h3.Cell) ([]geo.CellVisit, error)
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
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	window, err := geo.ParseWindow(c.Query("window"))
	if err != nil {
		coverageFieldError(c, err, "window")
		return
	}
	res, ok := coverageRes(c, u)
	if !ok {
		return
	}
	p, ok := s.period(c, u, window)
	if !ok {
		return
	}
	device, ok := s.coverageDevice(c, u)
	if !ok {
		return
	}
	visits, err := s.db.CoverageVisits(c.Request.Context(), u.ID, device.ID, res, window, p, nil)
	if err != nil {
		fail(c, err)
		return
	}
	cov := geo.MergeCoverage(visits)
	fs := make([]Feature, 0, len(cov))
	for _, cc := range cov {
		g, err := coverageCellGeometry(cc.Cell)
		if err != nil {
			fail(c, err)
			return
		}
		fs = append(fs, Feature{Type: "Feature", ID: cc.Cell.String(), Geometry: g, Properties: map[string]any{
			"cell": cc.Cell.String(), "passes": cc.Passes, "dwell_s": roundTo(cc.DwellS, 1), "nights": cc.Nights,
			"last_visit": rfc3339(cc.LastVisit),
		}})
	}
	q := coveragePeriodQuery(u, p, window)
	q["res"] = res
	if device.ID > 0 {
		q["device"] = device.Ident
	}
	writeGeoJSON(c, newCoverageCollection(fs, q))
}

// complianceNight is one night of a key area in a compliance answer.
type complianceNight struct {
	Date     string  `json:"date"`
	Visits   int     `json:"visits"`
	DwellMin float64 `json:"dwell_min"`
	Meets    bool    `json:"meets"`
}

// complianceArea is a key area or key road checked against its requirement, night by night.
type complianceArea struct {
	area    patrol.Area
	cells   []h3.Cell
	nights  []complianceNight
	met     int
	percent *float64 // nil when the period holds no night
}

// complianceAreas returns the unit's key areas and key roads with their cells at res, and a
// warning for each area whose stored geometry cannot be used (left out).
func (s *Server) complianceAreas(ctx context.Context, u patrol.Unit, res int) ([]complianceArea, []string, error) {
	all, err := s.db.ListAreas(ctx, u.ID, "")
	if err != nil {
		return nil, nil, err
	}
	var out []complianceArea
	var warnings []string
	for _, a := range all {
		if a.Kind != patrol.KindKeyArea && a.Kind != patrol.KindKeyRoad {
			continue
		}
		_, cells, err := areaCells(a, res)
		if err != nil {
			warnings = append(warnings, skippedArea(a, err))
			continue
		}
		out = append(out, complianceArea{area: a, cells: cells})
	}
	return out, warnings, nil
}

// checkComplianceAreas fills in each area's nights from night passes.
func checkComplianceAreas(areas []complianceArea, visits []geo.CellVisit, nights []geo.Date) {
	for i := range areas {
		a := &areas[i]
		got := geo.AreaNightVisits(visits, a.cells, float64(a.area.MinDwellMin))
		a.nights = make([]complianceNight, 0, len(nights))
		a.met = 0
		for _, d := range nights {
			n := got[d]
			meets := n.Visits >= a.area.RequiredNightVisits
			if meets {
				a.met++
			}
			a.nights = append(a.nights, complianceNight{Date: d.String(), Visits: n.Visits, DwellMin: roundTo(n.DwellMin, 1), Meets: meets})
		}
		a.percent = nil
		if len(nights) > 0 {
			v := roundTo(100*float64(a.met)/float64(len(nights)), 1)
			a.percent = &v
		}
	}
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
	ctx := c.Request.Context()
	areas, warnings, err := s.complianceAreas(ctx, u, u.H3Res)
	if err != nil {
		fail(c, err)
		return
	}
	cells := []h3.Cell{}
	for _, a := range areas {
		cells = append(cells, a.cells...)
	}
	var visits []geo.CellVisit
	if len(cells) > 0 {
		if visits, err = s.db.CoverageVisits(ctx, u.ID, 0, u.H3Res, geo.WindowNight, p, cells); err != nil {
			fail(c, err)
			return
		}
	}
	nights := geo.NightDates(p, location(u), nightWindow(u))
	checkComplianceAreas(areas, visits, nights)
	fs := make([]Feature, 0, len(areas))
	met, total := 0, 0
	for _, a := range areas {
		met += a.met
		total += len(a.nights)
		fs = append(fs, Feature{Type: "Feature", ID: a.area.ID, Geometry: a.area.Geometry, Properties: map[string]any{
			"area_id": a.area.ID, "name": a.area.Name, "kind": a.area.Kind, "required": a.area.RequiredNightVisits,
			"min_dwell_min": a.area.MinDwellMin, "percent": a.percent, "nights_met": a.met, "nights": a.nights,
		}})
	}
	out := newCoverageCollection(fs, coveragePeriodQuery(u, p, geo.WindowNight))
	overall := map[string]any{"percent": nil, "area_nights_met": met, "area_nights": total}
	if total > 0 {
		overall["percent"] = roundTo(100*float64(met)/float64(total), 1)
	}
	out.Overall = overall
	out.Warnings = warnings
	writeGeoJSON(c, out)
}

// gapIncidents is the incident history of a cell or area: how many and their severities summed.
type gapIncidents struct {
	count, severity int
}

func (l *gapIncidents) add(severity int) {
	l.count++
	l.severity += severity
}

// gap is one cell or key area in a gaps answer.
type gap struct {
	cell     h3.Cell
	area     *complianceArea
	nights   int // nights visited (cells)
	risk     float64
	reason   string
	in, near gapIncidents
	inAreas  []string
}

// Gap parameters; the risk formula and its weights are geo.GapRisk's.
const (
	// riskHistory is how far before the end of the period incidents count.
	riskHistory = 365 * 24 * time.Hour
	// maxMinNights bounds min_nights.
	maxMinNights = 2000
)

// gaps answers GET /api/v1/gaps: the study-area cells visited on fewer than min_nights nights and
// the key areas below their requirement on some night, ranked by risk.
func (s *Server) gaps(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	minNights, ok := minNightsParam(c)
	if !ok {
		return
	}
	p, ok := s.period(c, u, geo.WindowNight)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	boundary, err := unitBoundary(u)
	if err != nil {
		fail(c, err)
		return
	}
	res := u.H3Res
	study, err := studyArea(u, boundary, res)
	if err != nil {
		fail(c, err)
		return
	}
	visits, err := s.db.CoverageVisits(ctx, u.ID, 0, res, geo.WindowNight, p, nil)
	if err != nil {
		fail(c, err)
		return
	}
	loc, nw := location(u), nightWindow(u)
	nights := geo.NightDates(p, loc, nw)
	areas, warnings, err := s.complianceAreas(ctx, u, res)
	if err != nil {
		fail(c, err)
		return
	}
	checkComplianceAreas(areas, visits, nights)
	incidents, err := s.db.ListIncidents(ctx, u.ID, p.To.Add(-riskHistory), p.To, false)
	if err != nil {
		fail(c, err)
		return
	}
	perCell := map[h3.Cell]*gapIncidents{}
	for _, in := range incidents {
		if in.Status == patrol.StatusVoid {
			continue
		}
		cell, err := geo.CellOf(orb.Point{in.Lon, in.Lat}, res)
		if err != nil {
			continue // stored incidents have valid points; a bad one counts for nothing
		}
		l := perCell[cell]
		if l == nil {
			l = &gapIncidents{}
			perCell[cell] = l
		}
		l.add(in.Severity)
	}
	loadOf := func(cells []h3.Cell) (in, near gapIncidents, err error) {
		inside := make(map[h3.Cell]bool, len(cells))
		for _, c := range cells {
			inside[c] = true
		}
		around := map[h3.Cell]bool{}
		for _, c := range cells {
			if l := perCell[c]; l != nil {
				in.count += l.count
				in.severity += l.severity
			}
			disk, err := h3.GridDisk(c, 1)
			if err != nil {
				return in, near, fmt.Errorf("neighbours of %s: %w", c, err)
			}
			for _, n := range disk {
				if !inside[n] && !around[n] {
					around[n] = true
					if l := perCell[n]; l != nil {
						near.count += l.count
						near.severity += l.severity
					}
				}
			}
		}
		return in, near, nil
	}

	visited := map[h3.Cell]int{}
	for _, cc := range geo.MergeCoverage(visits) {
		visited[cc.Cell] = cc.Nights
	}
	areasOf := map[h3.Cell][]string{}
	for _, a := range areas {
		for _, cell := range a.cells {
			areasOf[cell] = append(areasOf[cell], a.area.Name)
		}
	}
	var list []gap
	for _, cell := range study {
		n := visited[cell]
		if n >= minNights {
			continue
		}
		g := gap{cell: cell, nights: n, inAreas: areasOf[cell]}
		if g.in, g.near, err = loadOf([]h3.Cell{cell}); err != nil {
			fail(c, err)
			return
		}
		g.risk = geo.GapRisk(float64(minNights-n)/float64(minNights), g.in.severity, g.near.severity, len(g.inAreas))
		g.reason = gapCellReason(g, minNights, len(nights))
		list = append(list, g)
	}
	for i := range areas {
		a := &areas[i]
		if a.met == len(a.nights) {
			continue
		}
		g := gap{area: a}
		if g.in, g.near, err = loadOf(a.cells); err != nil {
			fail(c, err)
			return
		}
		g.risk = geo.GapRisk(float64(len(a.nights)-a.met)/float64(len(a.nights)), g.in.severity, g.near.severity, 1)
		g.reason = gapAreaReason(g)
		list = append(list, g)
	}
	slices.SortStableFunc(list, func(x, y gap) int {
		return cmp.Or(cmp.Compare(y.risk, x.risk), cmp.Compare(x.sortKey(), y.sortKey()))
	})

	fs := make([]Feature, 0, len(list))
	for i, g := range list {
		props := map[string]any{
			"rank": i + 1, "risk": roundTo(g.risk, 2), "reason": g.reason,
			"incidents": g.in.count, "incident_severity": g.in.severity,
			"incidents_near": g.near.count, "incident_severity_near": g.near.severity,
		}
		var geom json.RawMessage
		if g.area != nil {
			geom = g.area.area.Geometry
			props["kind"] = "area"
			props["area_id"] = g.area.area.ID
			props["name"] = g.area.area.Name
			props["area_kind"] = g.area.area.Kind
			props["required"] = g.area.area.RequiredNightVisits
			props["nights_met"] = g.area.met
			props["nights"] = len(g.area.nights)
			props["percent"] = g.area.percent
			cells := make([]string, len(g.area.cells))
			for i, c := range g.area.cells {
				cells[i] = c.String()
			}
			props["cells"] = cells
		} else {
			if geom, err = coverageCellGeometry(g.cell); err != nil {
				fail(c, err)
				return
			}
			props["kind"] = "cell"
			props["cell"] = g.cell.String()
			props["nights_visited"] = g.nights
			props["nights"] = len(nights)
			props["key_areas"] = coverageNonNil(g.inAreas)
		}
		fs = append(fs, Feature{Type: "Feature", ID: i + 1, Geometry: geom, Properties: props})
	}
	q := coveragePeriodQuery(u, p, geo.WindowNight)
	q["min_nights"] = minNights
	q["res"] = res
	q["incidents_from"] = rfc3339(p.To.Add(-riskHistory))
	out := newCoverageCollection(fs, q)
	out.Warnings = warnings
	writeGeoJSON(c, out)
}

// sortKey orders gaps of equal risk: areas first, then by area id or cell.
func (g gap) sortKey() string {
	if g.area != nil {
		return fmt.Sprintf("0%020d", g.area.area.ID)
	}
	return "1" + g.cell.String()
}

func coverageNonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// gapIncidentPhrase spells out an incident history: "3 incidents (severity 9) in the cell and
// 1 (severity 2) around it in the last 12 months".
func gapIncidentPhrase(in, near gapIncidents, what string) string {
	plural := func(n int) string {
		if n == 1 {
			return "1 incident"
		}
		return strconv.Itoa(n) + " incidents"
	}
	switch {
	case in.count == 0 && near.count == 0:
		return "no incidents in or around " + what + " in the last 12 months"
	case near.count == 0:
		return fmt.Sprintf("%s (severity %d) in %s in the last 12 months", plural(in.count), in.severity, what)
	case in.count == 0:
		return fmt.Sprintf("no incidents in %s but %s (severity %d) around it in the last 12 months", what, plural(near.count), near.severity)
	}
	return fmt.Sprintf("%s (severity %d) in %s and %d (severity %d) around it in the last 12 months",
		plural(in.count), in.severity, what, near.count, near.severity)
}

// gapCellReason spells out why a cell is a gap.
func gapCellReason(g gap, minNights, nights int) string {
	var b strings.Builder
	switch {
	case g.nights == 0:
		fmt.Fprintf(&b, "never visited at night in %d %s", nights, gapPlural(nights, "night", "nights"))
	default:
		fmt.Fprintf(&b, "visited on %d of %d nights, fewer than %d", g.nights, nights, minNights)
	}
	b.WriteString("; ")
	b.WriteString(gapIncidentPhrase(g.in, g.near, "the cell"))
	for i, name := range g.inAreas {
		if i == 0 {
			b.WriteString("; inside key area ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(name)
	}
	return b.String()
}

// gapAreaReason spells out why a key area is a gap.
func gapAreaReason(g gap) string {
	a := g.area
	what := "visit"
	if a.area.RequiredNightVisits != 1 {
		what = "visits"
	}
	req := fmt.Sprintf("%d %s", a.area.RequiredNightVisits, what)
	if a.area.MinDwellMin > 0 {
		req += fmt.Sprintf(" of at least %d min", a.area.MinDwellMin)
	}
	kind := "key area"
	if a.area.Kind == patrol.KindKeyRoad {
		kind = "key road"
	}
	missed := len(a.nights) - a.met
	return fmt.Sprintf("%s %s below its requirement of %s a night on %d of %d %s (met on %d); %s",
		kind, a.area.Name, req, missed, len(a.nights), gapPlural(len(a.nights), "night", "nights"), a.met,
		gapIncidentPhrase(g.in, g.near, "its cells"))
}

func gapPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// deviceTrack is the cleaned patrol line of one device.
type deviceTrack struct {
	ident string
	fixes []geo.Fix
}

// tracks answers GET /api/v1/tracks: per device, its fixes cleaned as coverage cleans them
// (flagged fixes dropped) joined into lines that break where two fixes are geo.MaxSegmentGap or
// more apart or imply geo.MaxSpeedKmh or more.
func (s *Server) tracks(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	window, err := geo.ParseWindow(c.Query("window"))
	if err != nil {
		coverageFieldError(c, err, "window")
		return
	}
	p, ok := s.period(c, u, window)
	if !ok {
		return
	}
	device, ok := s.coverageDevice(c, u)
	if !ok {
		return
	}
	var list []*deviceTrack
	err = s.db.EachFix(c.Request.Context(), patrol.FixFilter{UnitID: u.ID, DeviceID: device.ID, From: p.From, To: p.To}, func(f patrol.StoredFix) error {
		if len(list) == 0 || list[len(list)-1].ident != f.DeviceIdent {
			list = append(list, &deviceTrack{ident: f.DeviceIdent})
		}
		t := list[len(list)-1]
		acc := f.Accuracy
		if math.IsNaN(acc) {
			acc = 0
		}
		// Only the flags FlagTrack cannot recompute are kept.
		flags := geo.FixFlag(f.Flags) & (geo.FlagOffDuty | geo.FlagDuplicate)
		t.fixes = append(t.fixes, geo.Fix{Time: f.Time, Point: orb.Point{f.Lon, f.Lat}, Accuracy: acc, Speed: math.NaN(), Flags: flags})
		return nil
	})
	if err != nil {
		fail(c, err)
		return
	}
	loc, nw := location(u), nightWindow(u)
	fs := []Feature{}
	for _, t := range list {
		slices.SortStableFunc(t.fixes, func(a, b geo.Fix) int { return a.Time.Compare(b.Time) })
		geo.FlagTrack(t.fixes)
		kept := slices.DeleteFunc(t.fixes, func(f geo.Fix) bool { return f.Ignored() || !nw.InWindow(f.Time, loc, window) })
		var lines orb.MultiLineString
		var line orb.LineString
		km := 0.0
		for i, f := range kept {
			if i > 0 {
				prev := kept[i-1]
				dt := f.Time.Sub(prev.Time)
				d := orbgeo.DistanceHaversine(prev.Point, f.Point)
				if dt < geo.MaxSegmentGap && dt > 0 && d < geo.MaxSpeedKmh/3.6*dt.Seconds() {
					if len(line) == 0 {
						line = append(line, prev.Point)
					}
					line = append(line, f.Point)
					km += d / 1000
					continue
				}
			}
			if len(line) >= 2 {
				lines = append(lines, line)
			}
			line = nil
		}
		if len(line) >= 2 {
			lines = append(lines, line)
		}
		if len(lines) == 0 {
			continue
		}
		props := map[string]any{"device": t.ident, "fixes": len(kept), "km": roundTo(km, 3), "lines": len(lines),
			"first": rfc3339(kept[0].Time), "last": rfc3339(kept[len(kept)-1].Time)}
		fs = append(fs, Feature{Type: "Feature", ID: t.ident, Geometry: coverageMultiLine(lines), Properties: props})
	}
	q := coveragePeriodQuery(u, p, window)
	if device.ID > 0 {
		q["device"] = device.Ident
	}
	writeGeoJSON(c, newCoverageCollection(fs, q))
}

// minNightsParam reads min_nights, 1 to maxMinNights, default 1.
func minNightsParam(c *gin.Context) (int, bool) {
	v := c.Query("min_nights")
	if v == "" {
		return 1, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxMinNights {
		writeProblem(c, badField("min_nights", fmt.Sprintf("must be an integer from 1 to %d", maxMinNights)))
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

// coverageCellGeometry writes the hexagon of a cell as a GeoJSON Polygon.
func coverageCellGeometry(c h3.Cell) (json.RawMessage, error) {
	poly, err := geo.CellPolygon(c)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(`{"type":"Polygon","coordinates":[`)
	for i, ring := range poly {
		if i > 0 {
			b.WriteByte(',')
		}
		coveragePoints(&b, ring)
	}
	b.WriteString(`]}`)
	return json.RawMessage(b.String()), nil
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
