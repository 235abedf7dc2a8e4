package api

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/app/coverage"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/report"
	"github.com/patrolmap/patrolmap/report/pdf"
)

// ReportBackend is the storage the proof report needs beyond the analyses (store/report.go).
type ReportBackend interface {
	// PatrolSummary sums the fixes and coverage segments of a unit inside night periods.
	PatrolSummary(ctx context.Context, unitID int, nights []geo.Period) (patrol.PatrolSummary, error)
	// MockFixCounts counts the fixes flagged mock per device of a unit in [from, to).
	MockFixCounts(ctx context.Context, unitID int, from, to time.Time) ([]patrol.DeviceFixCount, error)
	// IncidentCounts counts the non-void incidents of [from, to) per category.
	IncidentCounts(ctx context.Context, unitID int, from, to time.Time) ([]patrol.IncidentCount, error)

	CreateReportSnapshot(ctx context.Context, r patrol.ReportSnapshot) (patrol.ReportSnapshot, error)
	ListReportSnapshots(ctx context.Context, unitID int) ([]patrol.ReportSnapshot, error)
	ReportSnapshotByID(ctx context.Context, id int64) (patrol.ReportSnapshot, error)
}

// reportRoutes registers the proof report and its archive.
func (s *Server) reportRoutes(v1 *gin.RouterGroup) {
	v1.GET("/report", s.requireUser, s.getReport)
	v1.GET("/reports", s.requireUser, s.listReports)
	v1.POST("/reports", s.requireUser, s.requireRole(patrol.RoleAdmin, patrol.RoleAnalyst), s.createReport)
	v1.GET("/reports/:id", s.requireUser, s.getReportSnapshot)
}

// The report's fixed analysis parameters: those of DESIGN.md's defaults, printed in the report.
const (
	reportK            = 1    // Gi* neighbourhood GridDisk(k)
	reportAlpha        = 0.05 // Benjamini-Hochberg FDR level of a significant hot spot
	reportMinNights    = 1    // a cell visited on fewer nights is a gap
	reportGaps         = 10   // the largest gaps listed
	reportEmergingMin  = 10   // fewest weekly steps of the emerging analysis
	reportEmergingWeek = 12   // weeks analysed when the period holds fewer than reportEmergingMin
	reportTimeLag      = 1
	reportPDFTimeout   = 90 * time.Second
)

// ReportRequest asks for a proof report: a unit code, from and to (local dates or RFC 3339
// instants, as for every period) and the language (vi by default, or en).
type ReportRequest struct {
	Unit, From, To, Lang string
}

// ReportResult is a rendered report.
type ReportResult struct {
	HTML    []byte
	Verdict string // pass or fail
	SHA256  string // hex of the HTML's SHA-256
	Cutoff  time.Time
	Unit    patrol.Unit
	Period  geo.Period
}

// Report builds and renders the proof report of a unit, as GET /api/v1/report does, for callers
// without HTTP such as `patrolmap report`. Bad input comes back as a *Problem naming the field.
func (s *Server) Report(ctx context.Context, req ReportRequest) (ReportResult, error) {
	if !validCode(req.Unit) {
		return ReportResult{}, badField("unit", "not a unit code")
	}
	u, err := s.db.UnitByCode(ctx, req.Unit)
	if errors.Is(err, patrol.ErrNotFound) {
		return ReportResult{}, problem(http.StatusNotFound, "no unit with code "+strconv.Quote(req.Unit), FieldError{Field: "unit", Message: "unknown unit"})
	}
	if err != nil {
		return ReportResult{}, err
	}
	return s.buildReport(ctx, u, req)
}

// reportPeriods parses from and to for the report: the night period (coverage, patrols) and the
// whole-day period (incidents), and whether both ends were dates.
func reportPeriods(u patrol.Unit, from, to string) (night, all geo.Period, dates bool, err error) {
	if from == "" || to == "" {
		field := "from"
		if from != "" {
			field = "to"
		}
		return night, all, false, badField(field, "required: a local date YYYY-MM-DD or an RFC 3339 time")
	}
	loc, nw := location(u), nightWindow(u)
	for _, w := range []geo.Window{geo.WindowNight, geo.WindowAll} {
		p, err := geo.ParsePeriod(from, to, loc, w, nw)
		if err != nil {
			var fe *geo.FieldError
			if errors.As(err, &fe) {
				return night, all, false, badField(fe.Field, fe.Reason)
			}
			return night, all, false, badField("from", err.Error())
		}
		if p.To.Sub(p.From) > 5*366*24*time.Hour {
			return night, all, false, badField("to", "the period may span at most 5 years")
		}
		if w == geo.WindowNight {
			night = p
		} else {
			all = p
		}
	}
	_, e1 := geo.ParseDate(from)
	_, e2 := geo.ParseDate(to)
	return night, all, e1 == nil && e2 == nil, nil
}

// buildReport gathers the report's data and renders it.
func (s *Server) buildReport(ctx context.Context, u patrol.Unit, req ReportRequest) (ReportResult, error) {
	lang := req.Lang
	if lang == "" {
		lang = report.LangVI
	}
	if !report.ValidLang(lang) {
		return ReportResult{}, badField("lang", "must be vi or en")
	}
	db := s.db
	nightP, allP, dates, err := reportPeriods(u, req.From, req.To)
	if err != nil {
		return ReportResult{}, err
	}
	cutoff := s.cfg.Now().UTC()
	loc, nw := location(u), nightWindow(u)

	a, err := coverage.FindGaps(ctx, s.db, u, nightP, reportMinNights)
	if err != nil {
		return ReportResult{}, err
	}
	r := &report.Report{
		Lang: lang, Generated: cutoff, Cutoff: cutoff, Software: strings.TrimSpace("patrolmap " + s.cfg.Version),
		Unit: report.Unit{Code: u.Code, Name: u.Name, TimeZone: u.TimeZone, Location: loc, H3Res: a.Res,
			NightStart: nw.Start.String(), NightEnd: nw.End.String()},
		Period: report.Period{From: allP.From, To: allP.To, Dates: dates},
	}

	// 1. Data summary.
	sum, err := db.PatrolSummary(ctx, u.ID, nw.Periods(nightP, loc, geo.WindowNight))
	if err != nil {
		return ReportResult{}, err
	}
	counts, err := db.IncidentCounts(ctx, u.ID, allP.From, allP.To)
	if err != nil {
		return ReportResult{}, err
	}
	r.Summary = report.Summary{Nights: len(a.Nights), NightsPatrolled: sum.NightsPatrolled, Devices: sum.Devices, Fixes: sum.Fixes,
		Hours: sum.Hours, DistanceKm: sum.DistanceKm}
	for _, c := range counts {
		r.Summary.Incidents = append(r.Summary.Incidents, report.CategoryCount{Category: c.Category, Count: c.Count, SeveritySum: c.SeveritySum})
	}
	mocks, err := db.MockFixCounts(ctx, u.ID, allP.From, allP.To)
	if err != nil {
		return ReportResult{}, err
	}
	for _, m := range mocks {
		r.Summary.MockFixes = append(r.Summary.MockFixes, report.DeviceCount{Device: m.Device, Fixes: m.Fixes})
	}

	// The base map and the places named in the tables.
	pl, err := s.reportPlaces(ctx, u, a, allP)
	if err != nil {
		return ReportResult{}, err
	}
	r.Base = pl.base

	// 2. Compliance; areas whose stored geometry cannot be used are named as left out.
	r.LeftOut = a.LeftOut
	for _, ar := range a.Areas {
		pct, ok := ar.Percent()
		if !ok {
			pct = math.NaN()
		}
		r.Compliance = append(r.Compliance, report.ComplianceRow{Name: ar.Area.Name, Kind: ar.Area.Kind, Required: ar.Area.RequiredNightVisits,
			MinDwellMin: ar.Area.MinDwellMin, NightsMet: ar.Met, Nights: len(ar.Nights), Percent: pct})
	}

	// 3. Coverage and the largest gaps.
	r.Coverage = report.Coverage{Nights: len(a.Nights), MinNights: reportMinNights, GapCells: len(a.Cells)}
	for _, c := range a.Study {
		r.Coverage.Cells = append(r.Coverage.Cells, report.CoverageCell{Cell: c, Nights: a.Visited[c]})
	}
	for i, g := range a.Cells {
		if i >= reportGaps {
			break
		}
		centre, err := geo.CellCentre(g.Cell)
		if err != nil {
			return ReportResult{}, err
		}
		place := pl.describe(centre, []h3.Cell{g.Cell}, lang)
		r.Coverage.Gaps = append(r.Coverage.Gaps, report.Gap{Rank: i + 1, Cell: g.Cell, Centre: centre, Place: place,
			Risk: g.Risk, Incidents: g.In.Count})
	}

	// 4. Hot spots, the verdict's basis.
	if err := s.reportHotspots(ctx, u, a.Res, allP, r, pl, lang); err != nil {
		return ReportResult{}, err
	}

	// 5. Emerging hot spots.
	if err := s.reportEmerging(ctx, u, a.Res, allP, r, pl, lang); err != nil {
		return ReportResult{}, err
	}

	// 6. The queries that reproduce it.
	q := func(path string, kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return "GET /api/v1/" + path + "?" + v.Encode()
	}
	res := strconv.Itoa(a.Res)
	r.Queries = []string{
		q("hotspots", "unit", u.Code, "from", req.From, "to", req.To, "res", res, "k", strconv.Itoa(reportK), "alpha", strconv.FormatFloat(reportAlpha, 'f', -1, 64)),
		q("coverage", "unit", u.Code, "from", req.From, "to", req.To, "window", "night", "res", res),
		q("gaps", "unit", u.Code, "from", req.From, "to", req.To, "min_nights", strconv.Itoa(reportMinNights)),
		q("compliance", "unit", u.Code, "from", req.From, "to", req.To),
		q("incidents", "unit", u.Code, "from", req.From, "to", req.To),
	}
	if r.Emerging.Ran {
		r.Queries = append(r.Queries, q("emerging", "unit", u.Code, "from", rfc3339(r.Emerging.From), "to", rfc3339(r.Emerging.To),
			"res", res, "step", "week", "k", strconv.Itoa(reportK), "time_lag", strconv.Itoa(reportTimeLag)))
	}
	r.Queries = append(r.Queries, q("report", "unit", u.Code, "from", req.From, "to", req.To, "lang", lang))

	var buf bytes.Buffer
	if err := report.Render(&buf, r); err != nil {
		return ReportResult{}, err
	}
	sumHTML := sha256.Sum256(buf.Bytes())
	return ReportResult{HTML: buf.Bytes(), Verdict: r.Verdict(), SHA256: hex.EncodeToString(sumHTML[:]), Cutoff: cutoff, Unit: u, Period: allP}, nil
}

// reportHotspots runs Gi* over the period and groups the significant hot cells into clusters.
func (s *Server) reportHotspots(ctx context.Context, u patrol.Unit, res int, p geo.Period, r *report.Report, pl *reportPlaceIndex, lang string) error {
	cells, counts, err := s.db.IncidentCube(ctx, u.ID, res, []time.Time{p.From, p.To}, nil, 1)
	if err != nil {
		return reportAnalysisError(err)
	}
	if len(cells) < 2 {
		return problem(http.StatusUnprocessableEntity, fmt.Sprintf("the study area of unit %s has %d cell(s) at resolution %d; Gi* needs at least 2", u.Code, len(cells), res))
	}
	x := counts[0]
	result, err := geo.Hotspots(cells, x, reportK, reportAlpha)
	if err != nil {
		return reportAnalysisError(err)
	}
	hs := report.Hotspots{From: p.From, To: p.To, Res: res, K: reportK, Alpha: reportAlpha}
	var total float64
	for _, v := range x {
		total += v
	}
	hs.Incidents = total
	hs.Mean = total / float64(len(x))
	for _, v := range x {
		hs.SD += (v - hs.Mean) * (v - hs.Mean)
	}
	hs.SD = math.Sqrt(hs.SD / float64(len(x)))
	hot := map[h3.Cell]report.HotCell{}
	for _, c := range result {
		hc := report.HotCell{Cell: c.Cell, Count: c.Count, Z: c.Z, P: c.P, Significant: c.Significant, Confidence: c.Confidence, Class: c.Class}
		hs.Cells = append(hs.Cells, hc)
		if c.Significant && c.Z > 0 {
			hot[c.Cell] = hc
		}
	}
	// Clusters: connected groups of significant hot cells (GridDisk(1) neighbours).
	seen := map[h3.Cell]bool{}
	keys := make([]h3.Cell, 0, len(hot))
	for c := range hot {
		keys = append(keys, c)
	}
	slices.Sort(keys)
	for _, first := range keys {
		if seen[first] {
			continue
		}
		var group []report.HotCell
		queue := []h3.Cell{first}
		seen[first] = true
		for len(queue) > 0 {
			c := queue[0]
			queue = queue[1:]
			group = append(group, hot[c])
			ring, err := h3.GridDisk(c, 1)
			if err != nil {
				return err
			}
			for _, n := range ring {
				if _, ok := hot[n]; ok && !seen[n] {
					seen[n] = true
					queue = append(queue, n)
				}
			}
		}
		slices.SortFunc(group, func(a, b report.HotCell) int { return cmp.Or(cmp.Compare(b.Z, a.Z), cmp.Compare(a.Cell, b.Cell)) })
		cl := report.HotCluster{Cells: group, MaxZ: group[0].Z, MinP: group[0].P}
		var sumLon, sumLat float64
		groupCells := make([]h3.Cell, len(group))
		for i, hc := range group {
			groupCells[i] = hc.Cell
			cl.MinP = math.Min(cl.MinP, hc.P)
			pt, err := geo.CellCentre(hc.Cell)
			if err != nil {
				return err
			}
			sumLon += pt[0]
			sumLat += pt[1]
		}
		cl.Centre = orb.Point{sumLon / float64(len(group)), sumLat / float64(len(group))}
		cl.Near = pl.nearestRoad(cl.Centre, lang)
		cl.Groups = pl.groupsOf(groupCells)
		cl.KeyAreas = pl.keyAreasOf(groupCells)
		cl.Incidents, cl.ByCategory = pl.incidentsIn(groupCells)
		hs.Clusters = append(hs.Clusters, cl)
	}
	slices.SortStableFunc(hs.Clusters, func(a, b report.HotCluster) int { return cmp.Compare(b.MaxZ, a.MaxZ) })
	r.Hotspots = hs
	return nil
}

// reportAnalysisError turns bad statistics input into a 422.
func reportAnalysisError(err error) error {
	var in *geo.AnalysisInputError
	if errors.As(err, &in) {
		return problem(http.StatusUnprocessableEntity, "the analysis cannot run on this input: "+in.Msg)
	}
	return err
}

// reportEmerging runs the emerging hot spot analysis in weekly steps ending with the period: as
// many whole weeks as the period holds, or reportEmergingWeek weeks when that is fewer than
// reportEmergingMin.
func (s *Server) reportEmerging(ctx context.Context, u patrol.Unit, res int, p geo.Period, r *report.Report, pl *reportPlaceIndex, lang string) error {
	loc := location(u)
	weeks := int(p.To.Sub(p.From).Hours() / (24 * 7))
	em := report.Emerging{Step: "week", MinSteps: reportEmergingMin, K: reportK, TimeLag: reportTimeLag,
		BinFDR: geo.EmergingFDR, TrendAlpha: geo.EmergingTrendAlpha}
	if weeks < reportEmergingMin {
		weeks, em.Extended = reportEmergingWeek, true
	}
	end := p.To.In(loc)
	bounds := make([]time.Time, weeks+1)
	for i := range bounds {
		bounds[i] = time.Date(end.Year(), end.Month(), end.Day()-7*(weeks-i), end.Hour(), end.Minute(), end.Second(), end.Nanosecond(), loc)
	}
	em.From, em.To, em.Steps = bounds[0], bounds[weeks], weeks
	cells, counts, err := s.db.IncidentCube(ctx, u.ID, res, bounds, nil, 1)
	if err == nil && len(cells) < 2 {
		err = &geo.AnalysisInputError{Msg: fmt.Sprintf("%d study cells", len(cells))}
	}
	var result []geo.EmergingCell
	if err == nil {
		result, err = geo.Emerging(ctx, cells, counts, reportK, reportTimeLag)
	}
	var in *geo.AnalysisInputError
	if errors.As(err, &in) {
		em.Skipped = in.Msg
		r.Emerging = em
		return nil
	}
	if err != nil {
		return err
	}
	em.Ran, em.StudyCells = true, len(cells)
	byCat := map[string]int{}
	for _, c := range result {
		em.Incidents += c.Count
		byCat[string(c.Category)]++
		if c.Category == geo.CategoryNoPattern {
			continue
		}
		centre, err := geo.CellCentre(c.Cell)
		if err != nil {
			return err
		}
		em.Cells = append(em.Cells, report.EmergingCell{Cell: c.Cell, Category: string(c.Category), Count: c.Count,
			TrendZ: c.TrendZ, TrendP: c.TrendP, Place: pl.describe(centre, []h3.Cell{c.Cell}, lang)})
	}
	order := reportEmergingOrder()
	slices.SortStableFunc(em.Cells, func(a, b report.EmergingCell) int {
		return cmp.Or(cmp.Compare(order[a.Category], order[b.Category]), cmp.Compare(b.Count, a.Count), cmp.Compare(a.Cell, b.Cell))
	})
	cats := make([]string, 0, len(byCat))
	for c := range byCat {
		cats = append(cats, c)
	}
	slices.SortFunc(cats, func(a, b string) int { return cmp.Compare(order[a], order[b]) })
	for _, c := range cats {
		em.Summary = append(em.Summary, report.CategoryCount{Category: c, Count: byCat[c]})
	}
	r.Emerging = em
	return nil
}

// reportEmergingOrder ranks the categories: hot ones from the most pressing, cold ones, then no
// pattern.
func reportEmergingOrder() map[string]int {
	list := []geo.EmergingCategory{
		geo.CategoryNewHotSpot, geo.CategoryConsecutiveHotSpot, geo.CategoryIntensifyingHotSpot, geo.CategoryPersistentHotSpot,
		geo.CategoryDiminishingHotSpot, geo.CategorySporadicHotSpot, geo.CategoryOscillatingHotSpot, geo.CategoryHistoricalHotSpot,
		geo.CategoryNewColdSpot, geo.CategoryConsecutiveColdSpot, geo.CategoryIntensifyingColdSpot, geo.CategoryPersistentColdSpot,
		geo.CategoryDiminishingColdSpot, geo.CategorySporadicColdSpot, geo.CategoryOscillatingColdSpot, geo.CategoryHistoricalColdSpot,
		geo.CategoryNoPattern,
	}
	out := make(map[string]int, len(list))
	for i, c := range list {
		out[string(c)] = i
	}
	return out
}

// reportPlaceIndex names places: the nearest road, the residential groups and key areas, and the
// incidents of the period in given cells.
type reportPlaceIndex struct {
	base     report.BaseMap
	roads    []patrol.Road
	lines    []orb.LineString
	groups   []patrol.Area
	groupGeo []orb.Geometry
	keyCells map[h3.Cell][]string
	incCells map[h3.Cell][]patrol.Incident
	res      int
}

// reportPlaces loads what names places: roads, residential groups, key areas, and the
// incidents of the period p.
func (s *Server) reportPlaces(ctx context.Context, u patrol.Unit, a *coverage.Gaps, p geo.Period) (*reportPlaceIndex, error) {
	pl := &reportPlaceIndex{keyCells: map[h3.Cell][]string{}, incCells: map[h3.Cell][]patrol.Incident{}, res: a.Res}
	switch b := a.Boundary.(type) {
	case orb.MultiPolygon:
		pl.base.Boundary = b
	case orb.Polygon:
		pl.base.Boundary = orb.MultiPolygon{b}
	}
	roads, err := s.db.ListRoads(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, rd := range roads {
		g, err := geo.ParseGeometry("geometry", rd.Geometry, "LineString")
		if err != nil {
			continue // a road whose stored geometry cannot be used names nothing
		}
		if l, ok := g.(orb.LineString); ok {
			pl.roads = append(pl.roads, rd)
			pl.lines = append(pl.lines, l)
		}
	}
	pl.base.Roads = pl.lines
	for _, ar := range a.Areas {
		pl.base.KeyAreas = append(pl.base.KeyAreas, ar.Geom)
		for _, c := range ar.Cells {
			pl.keyCells[c] = append(pl.keyCells[c], ar.Area.Name)
		}
	}
	groups, err := s.db.ListAreas(ctx, u.ID, patrol.KindResidentialGroup)
	if err != nil {
		return nil, err
	}
	for _, gr := range groups {
		g, err := geo.ParseGeometry("geometry", gr.Geometry)
		if err != nil {
			continue // a group whose stored geometry cannot be used names nothing
		}
		pl.groups = append(pl.groups, gr)
		pl.groupGeo = append(pl.groupGeo, g)
	}
	incidents, err := s.db.ListIncidents(ctx, u.ID, p.From, p.To, false)
	if err != nil {
		return nil, err
	}
	pl.loadIncidents(incidents)
	return pl, nil
}

// loadIncidents indexes the incidents of a period by cell.
func (pl *reportPlaceIndex) loadIncidents(list []patrol.Incident) {
	for _, in := range list {
		if in.Status == patrol.StatusVoid {
			continue
		}
		if c, err := geo.CellOf(orb.Point{in.Lon, in.Lat}, pl.res); err == nil {
			pl.incCells[c] = append(pl.incCells[c], in)
		}
	}
}

// metresToLine returns the approximate distance in metres from p to a line, in a local plane.
func metresToLine(p orb.Point, l orb.LineString) float64 {
	cos := math.Cos(p[1] * math.Pi / 180)
	proj := func(q orb.Point) orb.Point { return orb.Point{(q[0] - p[0]) * cos * 111_320, (q[1] - p[1]) * 110_574} }
	pl := make(orb.LineString, len(l))
	for i, q := range l {
		pl[i] = proj(q)
	}
	return planar.DistanceFrom(pl, orb.Point{})
}

// nearestRoad names the road nearest to p and how far it is: "Đường X (12 m)".
func (pl *reportPlaceIndex) nearestRoad(p orb.Point, lang string) string {
	name, metres, ok := pl.closestRoad(p)
	if !ok {
		if lang == report.LangEN {
			return "no road loaded"
		}
		return "chưa có dữ liệu đường"
	}
	return fmt.Sprintf("%s (%d m)", name, int(math.Round(metres)))
}

// closestRoad returns the name of the road nearest to p and its distance in metres; ok is
// false when the unit has no roads.
func (pl *reportPlaceIndex) closestRoad(p orb.Point) (name string, metres float64, ok bool) {
	best, bestD := -1, math.Inf(1)
	for i, l := range pl.lines {
		if d := metresToLine(p, l); d < bestD {
			best, bestD = i, d
		}
	}
	if best < 0 {
		return "", 0, false
	}
	name = pl.roads[best].Name
	if name == "" {
		name = "#" + strconv.FormatInt(pl.roads[best].ID, 10)
	}
	return name, bestD, true
}

// groupsOf names the residential groups that hold the centres of cells.
func (pl *reportPlaceIndex) groupsOf(cells []h3.Cell) []string {
	var out []string
	for _, c := range cells {
		pt, err := geo.CellCentre(c)
		if err != nil {
			continue
		}
		for i, g := range pl.groupGeo {
			in := false
			switch g := g.(type) {
			case orb.Polygon:
				in = planar.PolygonContains(g, pt)
			case orb.MultiPolygon:
				in = planar.MultiPolygonContains(g, pt)
			}
			if in && !slices.Contains(out, pl.groups[i].Name) {
				out = append(out, pl.groups[i].Name)
			}
		}
	}
	return out
}

// keyAreasOf names the key areas and key roads that share a cell with cells.
func (pl *reportPlaceIndex) keyAreasOf(cells []h3.Cell) []string {
	var out []string
	for _, c := range cells {
		for _, name := range pl.keyCells[c] {
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

// incidentsIn counts the period's incidents in cells, in total and per category (most first).
func (pl *reportPlaceIndex) incidentsIn(cells []h3.Cell) (int, []report.CategoryCount) {
	by := map[string]*report.CategoryCount{}
	n := 0
	for _, c := range cells {
		for _, in := range pl.incCells[c] {
			n++
			cc := by[in.Category]
			if cc == nil {
				cc = &report.CategoryCount{Category: in.Category}
				by[in.Category] = cc
			}
			cc.Count++
			cc.SeveritySum += in.Severity
		}
	}
	out := make([]report.CategoryCount, 0, len(by))
	for _, cc := range by {
		out = append(out, *cc)
	}
	slices.SortFunc(out, func(a, b report.CategoryCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Category, b.Category))
	})
	return n, out
}

// describe names a place: the nearest road, then the residential group and key areas.
func (pl *reportPlaceIndex) describe(p orb.Point, cells []h3.Cell, lang string) string {
	parts := []string{pl.nearestRoad(p, lang)}
	parts = append(parts, pl.groupsOf(cells)...)
	parts = append(parts, pl.keyAreasOf(cells)...)
	return strings.Join(parts, "; ")
}

// ---- handlers ----

// reportRequestOf reads from, to and lang for unit u.
func reportRequestOf(c *gin.Context, u patrol.Unit) ReportRequest {
	return ReportRequest{Unit: u.Code, From: c.Query("from"), To: c.Query("to"), Lang: c.Query("lang")}
}

// reportHeaders sets the headers of a report page: a policy that lets it load nothing at all,
// its verdict, and its hash (hex, and as an RFC 9530 Repr-Digest).
func reportHeaders(c *gin.Context, html []byte, verdict string, cutoff time.Time) {
	sum := sha256.Sum256(html)
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Report-Verdict", verdict)
	h.Set("X-Report-SHA256", hex.EncodeToString(sum[:]))
	h.Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":")
	h.Set("X-Report-Cutoff", rfc3339(cutoff))
}

// reportFormat reads format: html (default) or pdf.
func reportFormat(c *gin.Context) (string, bool) {
	switch f := c.Query("format"); f {
	case "", "html":
		return "html", true
	case "pdf":
		return "pdf", true
	}
	writeProblem(c, badField("format", "must be html or pdf"))
	return "", false
}

// writeReport answers a report page as HTML, or printed to PDF.
func (s *Server) writeReport(c *gin.Context, format, name string, html []byte, verdict string, cutoff time.Time) {
	reportHeaders(c, html, verdict, cutoff)
	if format == "html" {
		c.Data(http.StatusOK, "text/html; charset=utf-8", html)
		return
	}
	out, err := pdf.Render(c.Request.Context(), html, pdf.Options{Timeout: reportPDFTimeout})
	if errors.Is(err, pdf.ErrNoBrowser) {
		writeProblem(c, problem(http.StatusNotImplemented, "PDF needs headless Chromium on the server, which is not installed; print the HTML page instead"))
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`inline; filename="%s.pdf"`, name))
	c.Data(http.StatusOK, "application/pdf", out)
}

// getReport answers GET /api/v1/report?unit&from&to[&lang=en][&format=pdf]: the proof report as
// one self-contained HTML page (or PDF), whose <html> carries data-verdict="pass" or "fail".
func (s *Server) getReport(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	format, ok := reportFormat(c)
	if !ok {
		return
	}
	res, err := s.buildReport(c.Request.Context(), u, reportRequestOf(c, u))
	if err != nil {
		fail(c, err)
		return
	}
	s.writeReport(c, format, fmt.Sprintf("patrolmap-report-%s-%s-%s", u.Code, c.Query("from"), c.Query("to")), res.HTML, res.Verdict, res.Cutoff)
}

// snapshotJSON describes an archived report.
func snapshotJSON(r patrol.ReportSnapshot) map[string]any {
	return map[string]any{
		"id": r.ID, "unit": r.UnitCode, "from": r.FromText, "to": r.ToText, "period_from": rfc3339(r.From), "period_to": rfc3339(r.To),
		"lang": r.Lang, "verdict": r.Verdict, "cutoff": rfc3339(r.Cutoff), "sha256": hex.EncodeToString(r.SHA256), "size": r.Size,
		"created_by": r.CreatedByName, "created_at": rfc3339(r.CreatedAt), "href": "/api/v1/reports/" + strconv.FormatInt(r.ID, 10),
	}
}

// createReport answers POST /api/v1/reports?unit&from&to[&lang]: it generates the report and
// archives it immutably with its data cut-off time and the SHA-256 of its HTML.
func (s *Server) createReport(c *gin.Context) {
	db := s.db
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	req := reportRequestOf(c, u)
	ctx := c.Request.Context()
	res, err := s.buildReport(ctx, u, req)
	if err != nil {
		fail(c, err)
		return
	}
	caller := callerOf(c)
	lang := req.Lang
	if lang == "" {
		lang = report.LangVI
	}
	snap, err := db.CreateReportSnapshot(ctx, patrol.ReportSnapshot{UnitID: u.ID, From: res.Period.From, To: res.Period.To,
		FromText: req.From, ToText: req.To, Lang: lang, Verdict: res.Verdict, Cutoff: res.Cutoff, HTML: res.HTML,
		CreatedBy: caller.User.ID, CreatedByName: caller.User.Username})
	if err != nil {
		fail(c, err)
		return
	}
	if hex.EncodeToString(snap.SHA256) != res.SHA256 {
		fail(c, fmt.Errorf("report %d: stored hash %x differs from the rendered %s", snap.ID, snap.SHA256, res.SHA256))
		return
	}
	detail := []byte(fmt.Sprintf(`{"from":%q,"to":%q,"verdict":%q,"sha256":%q}`, req.From, req.To, res.Verdict, res.SHA256))
	s.audit(c, u.ID, "report.archive", strconv.FormatInt(snap.ID, 10), detail)
	c.Header("Location", "/api/v1/reports/"+strconv.FormatInt(snap.ID, 10))
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, snapshotJSON(snap))
}

// listReports answers GET /api/v1/reports?unit: the archived reports, newest first.
func (s *Server) listReports(c *gin.Context) {
	db := s.db
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	list, err := db.ListReportSnapshots(c.Request.Context(), u.ID)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]map[string]any, len(list))
	for i, r := range list {
		out[i] = snapshotJSON(r)
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"unit": u.Code, "reports": out})
}

// getReportSnapshot answers GET /api/v1/reports/{id}[?format=pdf]: the archived HTML byte for
// byte, with its SHA-256 in X-Report-SHA256 and Repr-Digest and its cut-off in X-Report-Cutoff.
func (s *Server) getReportSnapshot(c *gin.Context) {
	db := s.db
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	format, ok := reportFormat(c)
	if !ok {
		return
	}
	snap, err := db.ReportSnapshotByID(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	if !callerOf(c).InScope(snap.UnitID) {
		writeProblem(c, problem(http.StatusForbidden, "this report is outside your scope"))
		return
	}
	sum := sha256.Sum256(snap.HTML)
	if !bytes.Equal(sum[:], snap.SHA256) {
		fail(c, fmt.Errorf("report %d: the stored HTML does not match its hash", id))
		return
	}
	c.Header("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
	s.writeReport(c, format, fmt.Sprintf("patrolmap-report-%d", id), snap.HTML, snap.Verdict, snap.Cutoff)
}
