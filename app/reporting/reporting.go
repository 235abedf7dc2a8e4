// Package reporting is the proof report's use case: it gathers a unit's patrols, coverage,
// key-area compliance and incidents for a period, judges the criterion "no complex hotspots of
// crime, drugs and social evils" (Judge), compares with the previous period, and lays the result
// out as a report.Report, its canonical JSON content and that content's SHA-256. It archives
// reports with a number per unit per year.
//
// It knows no HTTP and no SQL: storage is the small Repository interface (store implements it,
// tests use fakes) and the clock is passed in.
package reporting

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/app/coverage"
	"github.com/patrolmap/patrolmap/app/unit"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/report"
)

// Coverage is what the report shows of the one gap model (app/coverage) over the nights of a
// period: the study cells, the nights each cell was patrolled, the gaps ranked by risk and
// every key area's nights met.
type Coverage struct {
	Res      int
	Boundary orb.Geometry
	Nights   []geo.Date
	Study    []h3.Cell
	Visited  map[h3.Cell]int // nights visited
	Gaps     []CoverageGap   // highest risk first
	KeyAreas []KeyArea
}

// CoverageGap is a study cell never patrolled at night in the period.
type CoverageGap struct {
	Cell      h3.Cell
	Risk      float64
	Incidents int
}

// KeyArea is a key area or key road and the nights it met its requirement.
type KeyArea struct {
	Area      patrol.Area
	Geometry  orb.Geometry
	Cells     []h3.Cell
	Nights    int // nights judged at the cut-off (coverage.KeyArea.Judged: open nights are not)
	NightsMet int
}

// Repository is the storage the report needs.
type Repository interface {
	coverage.Store // the one gap model's storage
	UnitByCode(ctx context.Context, code string) (patrol.Unit, error)
	// ReportSettings returns a unit's report settings, DefaultSettings when it has none.
	ReportSettings(ctx context.Context, unitID int) (Settings, error)
	// PatrolSummary sums the fixes and coverage segments of a unit inside night periods.
	PatrolSummary(ctx context.Context, unitID int, nights []geo.Period) (patrol.PatrolSummary, error)
	// MockFixCounts counts the fixes flagged mock per device of a unit in [from, to).
	MockFixCounts(ctx context.Context, unitID int, from, to time.Time) ([]patrol.DeviceFixCount, error)
	// IncidentCounts counts the non-void incidents of [from, to) per category.
	IncidentCounts(ctx context.Context, unitID int, from, to time.Time) ([]patrol.IncidentCount, error)
	ListRoads(ctx context.Context, unitID int) ([]patrol.Road, error)
	IncidentCube(ctx context.Context, unitID, res int, bounds []time.Time, categories []string, minSeverity int) ([]h3.Cell, [][]float64, error)
}

// Service builds reports.
type Service struct {
	Repo    Repository
	Now     func() time.Time // the clock: the report's cut-off
	Version string           // the program's version, printed for reproduction
}

// Request asks for a report: a unit code, from and to (local dates or RFC 3339 instants, as for
// every period; dates are half-open, so to is the day after the last) and the language.
type Request struct {
	Unit, From, To, Lang string
}

// The report's fixed analysis parameters (DESIGN.md's defaults), printed in the report.
const (
	reportK            = 1
	reportAlpha        = 0.05
	reportMinNights    = 1
	reportGaps         = 10
	reportEmergingMin  = 10
	reportEmergingWeek = 12
	reportTimeLag      = 1
	maxPeriod          = 5 * 366 * 24 * time.Hour
)

// Draft is a built report before it is numbered and rendered.
type Draft struct {
	Report  *report.Report
	Content Content
	Verdict Verdict
	Unit    patrol.Unit
	Period  geo.Period // the whole-day period [from, to)
	Request Request
	Cutoff  time.Time
	Settings
	// VerifyBase is the server's public address ("https://patrolmap.example.vn"); an archived
	// report prints VerifyBase/verify/{sha256} and its QR code.
	VerifyBase string
}

// Build gathers and judges the report of req. Bad input comes back as a *geo.FieldError naming
// the field; an unknown unit as patrol.ErrNotFound; statistics that cannot run on the input as
// a *geo.AnalysisInputError.
func (s *Service) Build(ctx context.Context, req Request) (*Draft, error) {
	if req.Lang == "" {
		req.Lang = report.LangVI
	}
	if !report.ValidLang(req.Lang) {
		return nil, patrol.Invalid("lang", "must be vi or en")
	}
	if req.Unit == "" {
		return nil, patrol.Invalid("unit", "required: a unit code")
	}
	u, err := s.Repo.UnitByCode(ctx, req.Unit)
	if err != nil {
		return nil, err
	}
	return s.BuildFor(ctx, u, req)
}

// Periods parses from and to for a unit: the night period (coverage, patrols) and the whole-day
// period (incidents), and whether both ends were dates.
func Periods(u patrol.Unit, from, to string) (night, all geo.Period, dates bool, err error) {
	if from == "" || to == "" {
		field := "from"
		if from != "" {
			field = "to"
		}
		return night, all, false, patrol.Invalid(field, "required: a local date YYYY-MM-DD or an RFC 3339 time")
	}
	loc, nw := unit.Location(u), unit.NightWindow(u)
	for _, w := range []geo.Window{geo.WindowNight, geo.WindowAll} {
		p, err := geo.ParsePeriod(from, to, loc, w, nw)
		if err != nil {
			var fe *geo.FieldError
			if errors.As(err, &fe) {
				return night, all, false, patrol.Invalid(fe.Field, fe.Reason)
			}
			return night, all, false, patrol.Invalid("from", err.Error())
		}
		if p.To.Sub(p.From) > maxPeriod {
			return night, all, false, patrol.Invalid("to", "the period may span at most 5 years")
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

// previousPeriod returns the period of the same length just before p: the same number of local
// days when the period is made of dates, else the same duration.
func previousPeriod(p geo.Period, dates bool, loc *time.Location) geo.Period {
	if !dates {
		return geo.Period{From: p.From.Add(-p.To.Sub(p.From)), To: p.From}
	}
	a, b := geo.DateOf(p.From, loc), geo.DateOf(p.To, loc)
	days := int(time.Date(b.Year, b.Month, b.Day, 12, 0, 0, 0, time.UTC).Sub(time.Date(a.Year, a.Month, a.Day, 12, 0, 0, 0, time.UTC)).Hours() / 24)
	return geo.Period{From: a.AddDays(-days).Midnight(loc), To: p.From}
}

// BuildFor builds the report of a unit already looked up (and checked to be in the caller's
// scope).
func (s *Service) BuildFor(ctx context.Context, u patrol.Unit, req Request) (*Draft, error) {
	if req.Lang == "" {
		req.Lang = report.LangVI
	}
	if !report.ValidLang(req.Lang) {
		return nil, patrol.Invalid("lang", "must be vi or en")
	}
	nightP, allP, dates, err := Periods(u, req.From, req.To)
	if err != nil {
		return nil, err
	}
	settings, err := s.Repo.ReportSettings(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	cutoff := s.Now().UTC()
	loc, nw := unit.Location(u), unit.NightWindow(u)
	gaps, err := coverage.FindGaps(ctx, s.Repo, u, nightP, reportMinNights, cutoff)
	if err != nil {
		return nil, err
	}
	cov := coverageOf(gaps)
	r := &report.Report{
		Lang: req.Lang, Generated: cutoff, Cutoff: cutoff, Software: strings.TrimSpace("patrolmap " + s.Version),
		Unit: report.Unit{Code: u.Code, Name: u.Name, TimeZone: u.TimeZone, Location: loc, H3Res: cov.Res,
			NightStart: nw.Start.String(), NightEnd: nw.End.String()},
		Period:  report.Period{From: allP.From, To: allP.To, Dates: dates},
		LeftOut: gaps.LeftOut,
	}
	d := &Draft{Report: r, Unit: u, Period: allP, Request: req, Cutoff: cutoff, Settings: settings}

	// 1. Data summary.
	sum, err := s.summarize(ctx, u, nw.Periods(nightP, loc, geo.WindowNight), allP, cov, r)
	if err != nil {
		return nil, err
	}
	// The incidents of the period and of the previous one, the base map and the places named.
	prevP := previousPeriod(allP, dates, loc)
	current, previous, err := s.incidents(ctx, u, prevP, allP)
	if err != nil {
		return nil, err
	}
	pl, err := s.places(ctx, u, cov, current)
	if err != nil {
		return nil, err
	}
	r.Base = pl.base
	// 2. Compliance; 3. coverage and the largest gaps.
	if err := coverageSections(r, cov, pl, req.Lang); err != nil {
		return nil, err
	}
	// The verdict, its three lines and the comparison with the previous period.
	if err := s.judge(d, cov, sum, current, previous, prevP, pl); err != nil {
		return nil, err
	}
	// 4. Hot spots of all incidents, for information; 5. emerging hot spots.
	if err := s.hotspots(ctx, u, cov.Res, allP, r, pl, req.Lang); err != nil {
		return nil, err
	}
	if err := s.emerging(ctx, u, cov.Res, allP, r, pl, req.Lang); err != nil {
		return nil, err
	}
	// 6. The queries that reproduce it.
	r.Queries = queries(u.Code, req, cov.Res, r.Emerging)
	d.Content = contentOf(d)
	return d, nil
}

// summarize fills section 1, the data summary: the night patrols, the incidents per category
// and the mock fixes left out.
func (s *Service) summarize(ctx context.Context, u patrol.Unit, nights []geo.Period, allP geo.Period, cov Coverage, r *report.Report) (patrol.PatrolSummary, error) {
	sum, err := s.Repo.PatrolSummary(ctx, u.ID, nights)
	if err != nil {
		return sum, err
	}
	counts, err := s.Repo.IncidentCounts(ctx, u.ID, allP.From, allP.To)
	if err != nil {
		return sum, err
	}
	r.Summary = report.Summary{Nights: len(cov.Nights), NightsPatrolled: sum.NightsPatrolled, NightsWithFixes: sum.NightsWithFixes,
		Devices: sum.Devices, Fixes: sum.Fixes, Hours: sum.Hours, DistanceKm: sum.DistanceKm}
	for _, c := range counts {
		r.Summary.Incidents = append(r.Summary.Incidents, report.CategoryCount{Category: c.Category, Count: c.Count, SeveritySum: c.SeveritySum})
	}
	mocks, err := s.Repo.MockFixCounts(ctx, u.ID, allP.From, allP.To)
	if err != nil {
		return sum, err
	}
	for _, m := range mocks {
		r.Summary.MockFixes = append(r.Summary.MockFixes, report.DeviceCount{Device: m.Device, Fixes: m.Fixes})
	}
	return sum, nil
}

// incidents returns the counted (not void) incidents of the period and of the previous one.
func (s *Service) incidents(ctx context.Context, u patrol.Unit, prevP, allP geo.Period) (current, previous []patrol.Incident, err error) {
	list, err := s.Repo.ListIncidents(ctx, u.ID, prevP.From, allP.To, false)
	if err != nil {
		return nil, nil, err
	}
	for _, in := range list {
		switch {
		case in.Status == patrol.StatusVoid:
		case !in.Time.Before(allP.From) && in.Time.Before(allP.To):
			current = append(current, in)
		case !in.Time.Before(prevP.From) && in.Time.Before(prevP.To):
			previous = append(previous, in)
		}
	}
	return current, previous, nil
}

// places reads the roads and residential groups that name the report's places and draw its
// base map.
func (s *Service) places(ctx context.Context, u patrol.Unit, cov Coverage, current []patrol.Incident) (*Places, error) {
	roads, err := s.Repo.ListRoads(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	groups, err := s.Repo.ListAreas(ctx, u.ID, patrol.KindResidentialGroup)
	if err != nil {
		return nil, err
	}
	return newPlaces(cov, roads, groups, current), nil
}

// coverageSections fills section 2 (every key area's nights met) and section 3 (the coverage
// of every study cell and the largest gaps, by risk).
func coverageSections(r *report.Report, cov Coverage, pl *Places, lang string) error {
	for _, ar := range cov.KeyAreas {
		pct := -1.0
		if ar.Nights > 0 {
			pct = 100 * float64(ar.NightsMet) / float64(ar.Nights)
		}
		r.Compliance = append(r.Compliance, report.ComplianceRow{Name: ar.Area.Name, Kind: ar.Area.Kind, Required: ar.Area.RequiredNightVisits,
			MinDwellMin: ar.Area.MinDwellMin, NightsMet: ar.NightsMet, Nights: ar.Nights, Percent: nanIfNegative(pct)})
	}
	r.Coverage = report.Coverage{Nights: len(cov.Nights), MinNights: reportMinNights, GapCells: len(cov.Gaps)}
	for _, c := range cov.Study {
		r.Coverage.Cells = append(r.Coverage.Cells, report.CoverageCell{Cell: c, Nights: cov.Visited[c]})
	}
	for i, g := range cov.Gaps {
		if i >= reportGaps {
			break
		}
		centre, err := geo.CellCentre(g.Cell)
		if err != nil {
			return err
		}
		r.Coverage.Gaps = append(r.Coverage.Gaps, report.Gap{Rank: i + 1, Cell: g.Cell, Centre: centre,
			Place: pl.Describe(centre, []h3.Cell{g.Cell}, lang), Risk: g.Risk, Incidents: g.Incidents})
	}
	return nil
}

func nanIfNegative(x float64) float64 {
	if x < 0 {
		return nan()
	}
	return x
}

// queries lists the API queries that reproduce the report's numbers.
func queries(unit string, req Request, res int, em report.Emerging) []string {
	q := func(path string, kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return "GET /api/v1/" + path + "?" + v.Encode()
	}
	rs := strconv.Itoa(res)
	out := []string{
		q("hotspots", "unit", unit, "from", req.From, "to", req.To, "res", rs, "k", strconv.Itoa(reportK), "alpha", strconv.FormatFloat(reportAlpha, 'f', -1, 64)),
		q("coverage", "unit", unit, "from", req.From, "to", req.To, "window", "night", "res", rs),
		q("gaps", "unit", unit, "from", req.From, "to", req.To, "min_nights", strconv.Itoa(reportMinNights)),
		q("compliance", "unit", unit, "from", req.From, "to", req.To),
		q("incidents", "unit", unit, "from", req.From, "to", req.To),
	}
	if em.Ran {
		out = append(out, q("emerging", "unit", unit, "from", em.From.UTC().Format(time.RFC3339), "to", em.To.UTC().Format(time.RFC3339),
			"res", rs, "step", "week", "k", strconv.Itoa(reportK), "time_lag", strconv.Itoa(reportTimeLag)))
	}
	return append(out, q("report", "unit", unit, "from", req.From, "to", req.To, "lang", req.Lang, "format", "json"))
}

// judge computes the verdict of the period and of the previous one and fills the report's
// criterion section.
func (s *Service) judge(d *Draft, cov Coverage, sum patrol.PatrolSummary, current, previous []patrol.Incident, prevP geo.Period, pl *Places) error {
	loc := d.Report.Unit.Location
	in := VerdictInput{Study: cov.Study, Incidents: binned(current, cov.Res), From: d.Period.From, Location: loc,
		Nights: len(cov.Nights), NightsWithFixes: sum.NightsWithFixes, Settings: d.Settings}
	v, err := Judge(in)
	if err != nil {
		return err
	}
	d.Verdict = v
	prevIn := in
	prevIn.Incidents, prevIn.From = binned(previous, cov.Res), prevP.From
	prevIn.Nights, prevIn.NightsWithFixes = 1, 1 // only its hot spots are compared
	pv, err := Judge(prevIn)
	if err != nil {
		return err
	}
	cmpr := Compare(v.Hotspots(), pv.Hotspots())
	c := report.Criterion{Verdict: v.Value, Nights: v.Nights, NightsWithFixes: v.NightsWithFixes,
		MinIncidents: d.Settings.MinIncidents, MinWeeks: d.Settings.MinWeeks, GiMinIncidents: d.Settings.GiMinIncidents,
		K: VerdictK, Alpha: VerdictAlpha, StudyCells: len(cov.Study), UnpatrolledCells: len(cov.Gaps),
		PrevFrom: prevP.From, PrevTo: prevP.To}
	for _, g := range v.Groups {
		c.Groups = append(c.Groups, report.CriterionGroup{Group: g.Group, Categories: GroupCategories(g.Group), Incidents: g.Incidents,
			Method: g.Method, Hotspots: len(g.Hotspots)})
	}
	conv := func(list []ProblemHotspot) ([]report.ProblemHotspot, error) {
		var out []report.ProblemHotspot
		for _, h := range list {
			rh, err := pl.problemHotspot(h, d.Request.Lang)
			if err != nil {
				return nil, err
			}
			out = append(out, rh)
		}
		return out, nil
	}
	if c.Hotspots, err = conv(v.Hotspots()); err != nil {
		return err
	}
	if c.New, err = conv(cmpr.New); err != nil {
		return err
	}
	if c.Persisting, err = conv(cmpr.Persisting); err != nil {
		return err
	}
	if c.Resolved, err = conv(cmpr.Resolved); err != nil {
		return err
	}
	c.KeyAreas, c.KeyAreaNightsPct, c.MaxUnpatrolledPct = len(cov.KeyAreas), d.Settings.KeyAreaNightsPct, d.Settings.MaxUnpatrolledPct
	c.KeyAreasBelow, c.KeyAreasPass, c.CoveragePass = Lines(cov, d.Settings)
	d.Report.Criterion = c
	return nil
}

// Lines judges the two lines stated beside the verdict with a unit's settings: how many key
// areas met their requirement on fewer than KeyAreaNightsPct percent of the period's nights,
// whether none did, and whether at most MaxUnpatrolledPct percent of the study cells were
// never patrolled at night. A period without nights passes neither.
func Lines(cov Coverage, s Settings) (keyAreasBelow int, keyAreasPass, coveragePass bool) {
	for _, ar := range cov.KeyAreas {
		if ar.NightsMet*100 < s.KeyAreaNightsPct*ar.Nights {
			keyAreasBelow++
		}
	}
	nights := len(cov.Nights) > 0
	return keyAreasBelow, keyAreasBelow == 0 && nights, nights && len(cov.Gaps)*100 <= s.MaxUnpatrolledPct*len(cov.Study)
}

// problemHotspot describes a problem hotspot for the page: where it is and what it holds.
func (pl *Places) problemHotspot(h ProblemHotspot, lang string) (report.ProblemHotspot, error) {
	centre, err := centreOf(h.Cells)
	if err != nil {
		return report.ProblemHotspot{}, err
	}
	out := report.ProblemHotspot{Group: h.Group, Method: h.Method, Cells: h.Cells, Incidents: h.Incidents, Weeks: h.Weeks,
		Centre: centre, Near: pl.NearestRoad(centre, lang), Groups: pl.GroupsOf(h.Cells), KeyAreas: pl.KeyAreasOf(h.Cells)}
	if h.Z != nil {
		out.Z, out.HasZ = *h.Z, true
	}
	for _, cat := range GroupCategories(h.Group) {
		if n := h.ByCategory[cat]; n > 0 {
			out.ByCategory = append(out.ByCategory, report.CategoryCount{Category: cat, Count: n})
		}
	}
	return out, nil
}

// binned turns stored incidents into verdict incidents with their cells.
func binned(list []patrol.Incident, res int) []Incident {
	out := make([]Incident, 0, len(list))
	for _, in := range list {
		c, err := geo.CellOf(orb.Point{in.Lon, in.Lat}, res)
		if err != nil {
			continue // a stored incident always has a valid point
		}
		out = append(out, Incident{ID: in.ID, Time: in.Time, Cell: c, Category: in.Category})
	}
	return out
}

// Comparison sorts the problem hotspots of a period against those of the previous period: a
// hotspot of the same group sharing or touching a cell persists; the others are new, or
// resolved when only the previous period had them.
type Comparison struct {
	New, Persisting, Resolved []ProblemHotspot
}

// Compare compares the problem hotspots of two periods.
func Compare(current, previous []ProblemHotspot) Comparison {
	var out Comparison
	matched := make([]bool, len(previous))
	for _, h := range current {
		found := false
		for i, p := range previous {
			if p.Group == h.Group && touches(h.Cells, p.Cells) {
				found, matched[i] = true, true
			}
		}
		if found {
			out.Persisting = append(out.Persisting, h)
		} else {
			out.New = append(out.New, h)
		}
	}
	for i, p := range previous {
		if !matched[i] {
			out.Resolved = append(out.Resolved, p)
		}
	}
	return out
}

// touches reports whether two cell sets share a cell or hold neighbours.
func touches(a, b []h3.Cell) bool {
	in := make(map[h3.Cell]bool, len(b))
	for _, c := range b {
		in[c] = true
	}
	for _, c := range a {
		disk, err := h3.GridDisk(c, 1)
		if err != nil {
			continue
		}
		for _, n := range disk {
			if in[n] {
				return true
			}
		}
	}
	return false
}

// coverageOf takes what the report shows from the gap model, whose key areas' open nights are
// marked at the report's cut-off (coverage.OpenAt): a key area is judged on its other nights.
func coverageOf(g *coverage.Gaps) Coverage {
	cov := Coverage{Res: g.Res, Boundary: g.Boundary, Nights: g.Nights, Study: g.Study, Visited: g.Visited}
	for _, c := range g.Cells {
		cov.Gaps = append(cov.Gaps, CoverageGap{Cell: c.Cell, Risk: c.Risk, Incidents: c.In.Count})
	}
	for i := range g.Areas {
		a := &g.Areas[i]
		cov.KeyAreas = append(cov.KeyAreas, KeyArea{Area: a.Area, Geometry: a.Geom, Cells: a.Cells, Nights: a.Judged(), NightsMet: a.Met})
	}
	return cov
}

// ProblemHotspots judges the counted incidents of allP over the study cells of the gap model g
// with the unit's settings, as the report's verdict does, and describes each problem hotspot:
// what the map's summary shows. Patrol data is not checked here (the summary says it apart).
func (s *Service) ProblemHotspots(ctx context.Context, u patrol.Unit, g *coverage.Gaps, allP geo.Period, pl *Places, lang string) ([]report.ProblemHotspot, error) {
	settings, err := s.Repo.ReportSettings(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	incidents, err := s.Repo.ListIncidents(ctx, u.ID, allP.From, allP.To, false)
	if err != nil {
		return nil, err
	}
	var counted []patrol.Incident
	for _, in := range incidents {
		if in.Status != patrol.StatusVoid {
			counted = append(counted, in)
		}
	}
	v, err := Judge(VerdictInput{Study: g.Study, Incidents: binned(counted, g.Res), From: allP.From, Location: unit.Location(u),
		Nights: 1, NightsWithFixes: 1, Settings: settings})
	if err != nil {
		return nil, err
	}
	var out []report.ProblemHotspot
	for _, h := range v.Hotspots() {
		rh, err := pl.problemHotspot(h, lang)
		if err != nil {
			return nil, err
		}
		out = append(out, rh)
	}
	return out, nil
}
