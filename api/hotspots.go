package api

import (
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
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// AnalysisBackend is the storage the hot spot analyses need.
type AnalysisBackend interface {
	// IncidentCube returns the study area of a unit at H3 resolution res — the cells whose
	// centres lie in its boundary plus every cell holding a counted incident of
	// [bounds[0], bounds[len(bounds)-1]), sorted — and counts[t][i], the counted incidents of
	// cells[i] in [bounds[t], bounds[t+1]). Void incidents are never counted; categories (all
	// when empty) and minSeverity select the others. A study area too large for res is a
	// *geo.AnalysisInputError.
	IncidentCube(ctx context.Context, unitID, res int, bounds []time.Time, categories []string, minSeverity int) ([]h3.Cell, [][]float64, error)
}

// Limits of the analyses, so that one request cannot ask for an answer of gigabytes.
const (
	// MaxHotspotCells is the most study-area cells GET /api/v1/hotspots analyses.
	MaxHotspotCells = 200_000
	// MaxEmergingBins is the most cells × steps GET /api/v1/emerging and /forecast analyse
	// (10,000 cells × 100 weeks; an emerging answer carries about 60 bytes a bin).
	MaxEmergingBins = 1_000_000
	// MaxPermutationWork bounds cells × permutations of the conditional permutation test.
	MaxPermutationWork = 100_000_000
	// MinEmergingSteps is the fewest time steps of an emerging hot spot analysis. With few steps
	// the Mann-Kendall test has little power (with four or fewer no trend can reach p < 0.05)
	// and "at least 90 % of steps" means all of them; ten is the usual minimum (geo.Emerging).
	MinEmergingSteps = 10
	// DefaultEmergingSteps is how many steps before to the emerging analysis starts when from
	// is not given.
	DefaultEmergingSteps = 12
	// DefaultHoldout is how many of the last steps the forecast check holds out by default.
	DefaultHoldout = 4
)

// analysisRoutes registers the hot spot and emerging hot spot analyses and the forecast check.
func (s *Server) analysisRoutes(v1 *gin.RouterGroup) {
	v1.GET("/hotspots", s.requireUser, s.getHotspots)
	v1.GET("/emerging", s.requireUser, s.getEmerging)
	v1.GET("/forecast", s.requireUser, s.getForecast)
}

// analysisQuery is what the three analyses share: the unit, the resolution, the neighbourhood
// and the incident filters.
type analysisQuery struct {
	unit        patrol.Unit
	res         int
	k           int
	categories  []string // sorted, without duplicates; empty selects every category
	minSeverity int
}

// analysisQuery reads unit, res, k, category and min_severity, answering the problem itself
// when one is bad.
func (s *Server) analysisQuery(c *gin.Context) (analysisQuery, bool) {
	var q analysisQuery
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return q, false
	}
	q.unit = u
	defRes := u.H3Res
	if !geo.ValidRes(defRes) {
		defRes = geo.DefaultRes
	}
	if q.res, ok = intParam(c, "res", defRes, geo.MinRes, geo.MaxRes); !ok {
		return q, false
	}
	if q.k, ok = intParam(c, "k", 1, 0, geo.MaxNeighbourK); !ok {
		return q, false
	}
	if q.minSeverity, ok = intParam(c, "min_severity", 1, 1, 5); !ok {
		return q, false
	}
	if q.categories, ok = categoriesParam(c); !ok {
		return q, false
	}
	return q, true
}

// cube loads the study area and its counts per step, answering the problem itself on failure.
func (s *Server) cube(c *gin.Context, q analysisQuery, bounds []time.Time) ([]h3.Cell, [][]float64, bool) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.RequestTimeout)
	defer cancel()
	cells, counts, err := s.db.IncidentCube(ctx, q.unit.ID, q.res, bounds, q.categories, q.minSeverity)
	if err != nil {
		analysisFailed(c, err)
		return nil, nil, false
	}
	if len(cells) < 2 {
		writeProblem(c, problem(http.StatusUnprocessableEntity, fmt.Sprintf(
			"the study area of unit %s at resolution %d has %d cell(s); Gi* needs at least 2 (the unit's boundary holds no cell centre at this resolution and too few incidents lie outside it)",
			q.unit.Code, q.res, len(cells)), FieldError{Field: "res", Message: "too few study-area cells"}))
		return nil, nil, false
	}
	return cells, counts, true
}

// analysisFailed answers a failed analysis: bad input to the statistics is a 422 with the
// reason, anything else goes to fail.
func analysisFailed(c *gin.Context, err error) {
	var in *geo.AnalysisInputError
	if errors.As(err, &in) {
		writeProblem(c, problem(http.StatusUnprocessableEntity, "the analysis cannot run on this input: "+in.Msg))
		return
	}
	fail(c, err)
}

// intParam reads an optional integer query parameter in [lo, hi].
func intParam(c *gin.Context, name string, def, lo, hi int) (int, bool) {
	raw, ok := c.GetQuery(name)
	if !ok || raw == "" {
		return def, true
	}
	v, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || v < lo || v > hi {
		writeProblem(c, badField(name, fmt.Sprintf("must be an integer from %d to %d", lo, hi)))
		return 0, false
	}
	return v, true
}

// alphaParam reads alpha, the false discovery rate: a number strictly between 0 and 1, default
// 0.05.
func alphaParam(c *gin.Context) (float64, bool) {
	raw := c.Query("alpha")
	if raw == "" {
		return 0.05, true
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil || !(v > 0 && v < 1) {
		writeProblem(c, badField("alpha", "must be a number between 0 and 1 (exclusive), such as 0.05"))
		return 0, false
	}
	return v, true
}

// seedParam reads seed, the seed of the permutation test: any 64-bit integer, default 0.
func seedParam(c *gin.Context) (int64, bool) {
	raw := c.Query("seed")
	if raw == "" {
		return 0, true
	}
	v, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	if err != nil {
		writeProblem(c, badField("seed", "must be an integer"))
		return 0, false
	}
	return v, true
}

// categoriesParam reads category, given as a comma-separated list, repeated, or both.
func categoriesParam(c *gin.Context) ([]string, bool) {
	var out []string
	for _, raw := range c.QueryArray("category") {
		for _, v := range strings.Split(raw, ",") {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			if !patrol.ValidCategory(v) {
				writeProblem(c, badField("category", fmt.Sprintf("%q is not one of %s", v, strings.Join(patrol.Categories, ", "))))
				return nil, false
			}
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), true
}

// cellGeometry writes the hexagon of a cell as a GeoJSON Polygon, rounded to 1e-7 degrees.
func cellGeometry(c h3.Cell) (json.RawMessage, error) {
	poly, err := geo.CellPolygon(c)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, 64+len(poly[0])*40)
	b = append(b, `{"type":"Polygon","coordinates":[[`...)
	for i, p := range poly[0] {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendFloat(b, round7(p[0]), 'f', -1, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, round7(p[1]), 'f', -1, 64)
		b = append(b, ']')
	}
	b = append(b, "]]}"...)
	return b, nil
}

// meanSD returns the mean and population standard deviation of x, as Gi* uses them.
func meanSD(x []float64) (mean, sd float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		sd += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(sd / float64(len(x)))
}

// orEmpty returns a non-nil list, so that JSON shows [] rather than null.
func orEmpty(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// ---- GET /api/v1/hotspots ----

// hotspotProps are the properties of one cell of GET /api/v1/hotspots.
type hotspotProps struct {
	Cell        string   `json:"cell"`
	Count       float64  `json:"count"`
	Z           float64  `json:"z"`
	P           float64  `json:"p"`
	PPerm       *float64 `json:"p_perm,omitempty"`
	Significant bool     `json:"significant"`
	Confidence  int      `json:"confidence"`
	Class       string   `json:"class"`
}

type hotspotFeature struct {
	Type       string          `json:"type"`
	ID         string          `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties hotspotProps    `json:"properties"`
}

// hotspotAnalysis says how a hot spot answer was computed, beside its features.
type hotspotAnalysis struct {
	Unit         string   `json:"unit"`
	From         string   `json:"from"`
	To           string   `json:"to"`
	Res          int      `json:"res"`
	K            int      `json:"k"`
	Alpha        float64  `json:"alpha"`
	Categories   []string `json:"categories"`
	MinSeverity  int      `json:"min_severity"`
	Cells        int      `json:"cells"`
	Incidents    float64  `json:"incidents"`
	Mean         float64  `json:"mean"`
	SD           float64  `json:"sd"`
	Significant  int      `json:"significant"`
	PValue       string   `json:"p_value"` // "normal" or "permutation": what significant and confidence use
	Permutations int      `json:"permutations"`
	Seed         int64    `json:"seed"`
}

type hotspotCollection struct {
	Type     string           `json:"type"`
	Features []hotspotFeature `json:"features"`
	Analysis hotspotAnalysis  `json:"analysis"`
}

// getHotspots answers GET /api/v1/hotspots?unit&from&to&res&k&alpha[&category][&min_severity]
// [&permutations&seed]: Getis-Ord Gi* of the incident counts of every study-area cell, with
// Benjamini-Hochberg FDR, as DESIGN.md defines it.
func (s *Server) getHotspots(c *gin.Context) {
	q, ok := s.analysisQuery(c)
	if !ok {
		return
	}
	p, ok := s.period(c, q.unit, geo.WindowAll)
	if !ok {
		return
	}
	alpha, ok := alphaParam(c)
	if !ok {
		return
	}
	perms, ok := intParam(c, "permutations", 0, 0, 99_999)
	if !ok {
		return
	}
	seed, ok := seedParam(c)
	if !ok {
		return
	}

	cells, counts, ok := s.cube(c, q, []time.Time{p.From, p.To})
	if !ok {
		return
	}
	x := counts[0]
	if len(cells) > MaxHotspotCells {
		writeProblem(c, problem(http.StatusUnprocessableEntity, fmt.Sprintf(
			"the study area has %d cells at resolution %d, more than the %d one answer may hold; ask for a coarser res",
			len(cells), q.res, MaxHotspotCells), FieldError{Field: "res", Message: "too many cells"}))
		return
	}
	if perms > 0 && len(cells)*perms > MaxPermutationWork {
		writeProblem(c, problem(http.StatusUnprocessableEntity, fmt.Sprintf(
			"%d permutations of %d cells is more work than one request may ask for (cells × permutations ≤ %d)",
			perms, len(cells), MaxPermutationWork), FieldError{Field: "permutations", Message: "too many for this study area"}))
		return
	}
	result, err := geo.Hotspots(cells, x, q.k, alpha)
	if err != nil {
		analysisFailed(c, err)
		return
	}
	var pPerm []float64
	if perms > 0 {
		nb, err := geo.H3Neighbours(cells, q.k)
		if err != nil {
			analysisFailed(c, err)
			return
		}
		if pPerm, err = geo.GiStarPermutation(c.Request.Context(), x, nb, perms, seed); err != nil {
			analysisFailed(c, err)
			return
		}
		// With permutations, significance and confidence follow the pseudo p-values, as in
		// ArcGIS; p stays the normal p-value of z.
		sig := geo.BenjaminiHochberg(pPerm, alpha)
		conf := geo.Confidence(pPerm)
		for i := range result {
			r := &result[i]
			r.Significant, r.Confidence, r.Class = sig[i], conf[i], geo.ClassNone
			switch {
			case conf[i] > 0 && r.Z > 0:
				r.Class = geo.ClassHot
			case conf[i] > 0 && r.Z < 0:
				r.Class = geo.ClassCold
			}
		}
	}

	mean, sd := meanSD(x)
	out := hotspotCollection{Type: "FeatureCollection", Features: make([]hotspotFeature, len(result))}
	an := hotspotAnalysis{
		Unit: q.unit.Code, From: rfc3339(p.From), To: rfc3339(p.To), Res: q.res, K: q.k, Alpha: alpha,
		Categories: orEmpty(q.categories), MinSeverity: q.minSeverity, Cells: len(cells), Mean: mean, SD: sd,
		PValue: "normal", Permutations: perms,
	}
	if perms > 0 {
		an.PValue, an.Seed = "permutation", seed
	}
	for i, r := range result {
		g, err := cellGeometry(r.Cell)
		if err != nil {
			fail(c, err)
			return
		}
		cell := r.Cell.String()
		props := hotspotProps{Cell: cell, Count: r.Count, Z: r.Z, P: r.P, Significant: r.Significant, Confidence: r.Confidence, Class: r.Class}
		if pPerm != nil {
			props.PPerm = &pPerm[i]
		}
		out.Features[i] = hotspotFeature{Type: "Feature", ID: cell, Geometry: g, Properties: props}
		an.Incidents += r.Count
		if r.Significant {
			an.Significant++
		}
	}
	out.Analysis = an
	writeGeoJSON(c, out)
}

// ---- steps of the space-time analyses ----

// Step is the length of one time step of the emerging hot spot analysis.
type Step string

// The steps of the emerging hot spot analysis.
const (
	StepWeek  Step = "week"  // 7 days on the unit's clock
	StepMonth Step = "month" // a calendar month
)

// maxSteps bounds StepBounds; a period of at most 5 years has at most 262 weeks.
const maxSteps = 1000

// ParseStep parses "week" or "month"; empty means week.
func ParseStep(s string) (Step, error) {
	switch st := Step(s); st {
	case "":
		return StepWeek, nil
	case StepWeek, StepMonth:
		return st, nil
	}
	return "", &geo.FieldError{Field: "step", Reason: fmt.Sprintf("%q is not one of week, month", s)}
}

// stepAfter returns the instant n steps after start on the clock of loc: 7n days later for
// weeks, n calendar months later for months with the day of month clamped to the month's last
// day (31 January, then 29 February, 31 March). n may be negative.
func stepAfter(start time.Time, step Step, n int, loc *time.Location) time.Time {
	l := start.In(loc)
	y, m, d := l.Date()
	hh, mm, ss := l.Clock()
	ns := l.Nanosecond()
	if step == StepMonth {
		last := time.Date(y, m+time.Month(n)+1, 0, 0, 0, 0, 0, loc).Day()
		return time.Date(y, m+time.Month(n), min(d, last), hh, mm, ss, ns, loc)
	}
	return time.Date(y, m, d+7*n, hh, mm, ss, ns, loc)
}

// StepBounds returns the bounds of the steps of the period [from, to): from, then the instants
// 1, 2, … steps after from on the clock of loc (see Step), ending with to. The period must hold a
// whole number of steps; otherwise the error, a *geo.FieldError naming "to", says which ends
// would. nil loc means UTC.
func StepBounds(from, to time.Time, step Step, loc *time.Location) ([]time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	if step != StepWeek && step != StepMonth {
		return nil, &geo.FieldError{Field: "step", Reason: fmt.Sprintf("%q is not one of week, month", string(step))}
	}
	if !from.Before(to) {
		return nil, &geo.FieldError{Field: "to", Reason: "must be after from"}
	}
	bounds := []time.Time{from}
	for n := 1; n <= maxSteps; n++ {
		b := stepAfter(from, step, n, loc)
		switch {
		case b.Equal(to):
			return append(bounds, to), nil
		case b.After(to):
			return nil, &geo.FieldError{Field: "to", Reason: fmt.Sprintf(
				"the period is not a whole number of %ss counted from from: %d %s end at %s, %d at %s",
				step, n-1, plural(step, n-1), boundString(bounds[n-1], loc), n, boundString(b, loc))}
		}
		bounds = append(bounds, b)
	}
	return nil, &geo.FieldError{Field: "to", Reason: fmt.Sprintf("the period holds more than %d %ss", maxSteps, step)}
}

func plural(step Step, n int) string {
	if n == 1 {
		return string(step)
	}
	return string(step) + "s"
}

// boundString writes a step bound as a local date when it is a local midnight, else in RFC 3339.
func boundString(t time.Time, loc *time.Location) string {
	l := t.In(loc)
	if h, m, s := l.Clock(); h == 0 && m == 0 && s == 0 && l.Nanosecond() == 0 {
		return l.Format(time.DateOnly)
	}
	return rfc3339(t)
}

// StepPeriod parses from and to — local dates in loc or RFC 3339 instants — for a space-time
// analysis with steps of step, and returns the period and its step bounds (StepBounds). Without
// to the period ends at the local midnight after now; without from it starts defaultSteps steps
// before to, and the bounds are counted back from to (1, 2, … steps before it), because counted
// forward from a start whose day was clamped they would miss to: 12 months before 29 February
// 2028 is 28 February 2027, and 12 months after that is 28 February. Errors are
// *geo.FieldError naming from or to.
func StepPeriod(from, to string, step Step, defaultSteps int, now time.Time, loc *time.Location) (geo.Period, []time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	if to == "" {
		to = geo.DateOf(now, loc).AddDays(1).String()
	}
	if from == "" {
		var end time.Time
		if d, err := geo.ParseDate(to); err == nil {
			end = d.Midnight(loc)
		} else if end, err = time.Parse(time.RFC3339Nano, to); err != nil {
			return geo.Period{}, nil, &geo.FieldError{Field: "to", Reason: fmt.Sprintf("%q is neither a date (YYYY-MM-DD) nor an RFC 3339 time", to)}
		}
		if (step == StepWeek || step == StepMonth) && defaultSteps >= 1 && defaultSteps <= maxSteps {
			bounds := make([]time.Time, defaultSteps+1)
			for i := range bounds {
				bounds[i] = stepAfter(end, step, i-defaultSteps, loc)
			}
			if end.Sub(bounds[0]) > 5*366*24*time.Hour {
				return geo.Period{}, nil, &geo.FieldError{Field: "to", Reason: "the period may span at most 5 years"}
			}
			return geo.Period{From: bounds[0], To: end}, bounds, nil
		}
		from = stepAfter(end, step, -defaultSteps, loc).Format(time.RFC3339Nano)
	}
	p, err := geo.ParsePeriod(from, to, loc, geo.WindowAll, geo.NightWindow{})
	if err != nil {
		return geo.Period{}, nil, err
	}
	if p.To.Sub(p.From) > 5*366*24*time.Hour {
		return geo.Period{}, nil, &geo.FieldError{Field: "to", Reason: "the period may span at most 5 years"}
	}
	bounds, err := StepBounds(p.From, p.To, step, loc)
	if err != nil {
		return geo.Period{}, nil, err
	}
	return p, bounds, nil
}

// stepPeriod reads step, from and to for a space-time analysis of a unit (see StepPeriod),
// answering the problem itself when one is bad.
func (s *Server) stepPeriod(c *gin.Context, u patrol.Unit, defaultSteps int) (Step, geo.Period, []time.Time, bool) {
	step, err := ParseStep(c.Query("step"))
	if err != nil {
		writeFieldError(c, err)
		return "", geo.Period{}, nil, false
	}
	p, bounds, err := StepPeriod(c.Query("from"), c.Query("to"), step, defaultSteps, s.cfg.Now(), location(u))
	if err != nil {
		writeFieldError(c, err)
		return "", geo.Period{}, nil, false
	}
	return step, p, bounds, true
}

// writeFieldError answers a *geo.FieldError as a 400 naming its field.
func writeFieldError(c *gin.Context, err error) {
	var fe *geo.FieldError
	if errors.As(err, &fe) {
		writeProblem(c, badField(fe.Field, fe.Reason))
		return
	}
	writeProblem(c, badField("from", err.Error()))
}

// tooFewSteps answers a space-time analysis with fewer than MinEmergingSteps steps.
func tooFewSteps(c *gin.Context, steps int, step Step, what string) {
	writeProblem(c, problem(http.StatusUnprocessableEntity, fmt.Sprintf(
		"%s has %d %s; the emerging hot spot analysis needs at least %d steps (with fewer the Mann-Kendall trend has too little power); start from earlier or use a shorter step",
		what, steps, plural(step, steps), MinEmergingSteps), FieldError{Field: "from", Message: "too few steps"}))
}

// timeLagParam reads time_lag, 0 to steps−1, default 1.
func timeLagParam(c *gin.Context, steps int) (int, bool) {
	return intParam(c, "time_lag", min(1, steps-1), 0, steps-1)
}

// stepStrings writes step bounds in RFC 3339.
func stepStrings(bounds []time.Time) []string {
	out := make([]string, len(bounds))
	for i, b := range bounds {
		out[i] = rfc3339(b)
	}
	return out
}

// checkBins answers a cube too large for one answer.
func checkBins(c *gin.Context, cells, steps, res int) bool {
	if cells*steps > MaxEmergingBins {
		writeProblem(c, problem(http.StatusUnprocessableEntity, fmt.Sprintf(
			"%d cells × %d steps is more than the %d bins one analysis may hold; ask for a coarser res, a longer step or a shorter period",
			cells, steps, MaxEmergingBins), FieldError{Field: "res", Message: "too many cells × steps"}))
		return false
	}
	return true
}

// ---- GET /api/v1/emerging ----

// emergingProps are the properties of one cell of GET /api/v1/emerging.
type emergingProps struct {
	Cell        string    `json:"cell"`
	Category    string    `json:"category"`
	Count       float64   `json:"count"`
	CountSeries []float64 `json:"count_series"`
	ZSeries     []float64 `json:"z_series"`
	PSeries     []float64 `json:"p_series"`
	HotSeries   []int     `json:"hot_series"`
	TrendZ      float64   `json:"trend_z"`
	TrendP      float64   `json:"trend_p"`
}

type emergingFeature struct {
	Type       string          `json:"type"`
	ID         string          `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties emergingProps   `json:"properties"`
}

// emergingAnalysis says how an emerging answer was computed, beside its features.
type emergingAnalysis struct {
	Unit        string         `json:"unit"`
	From        string         `json:"from"`
	To          string         `json:"to"`
	Step        Step           `json:"step"`
	StepBounds  []string       `json:"step_bounds"` // series entry t covers [step_bounds[t], step_bounds[t+1])
	Res         int            `json:"res"`
	K           int            `json:"k"`
	TimeLag     int            `json:"time_lag"`
	Categories  []string       `json:"categories"`
	MinSeverity int            `json:"min_severity"`
	Cells       int            `json:"cells"`
	Incidents   float64        `json:"incidents"`
	Mean        float64        `json:"mean"` // of the whole space-time cube
	SD          float64        `json:"sd"`
	BinFDR      float64        `json:"bin_fdr"`     // Benjamini-Hochberg rate per step for a significant bin
	TrendAlpha  float64        `json:"trend_alpha"` // Mann-Kendall level for a significant trend
	Summary     map[string]int `json:"summary"`     // cells per category
}

type emergingCollection struct {
	Type     string            `json:"type"`
	Features []emergingFeature `json:"features"`
	Analysis emergingAnalysis  `json:"analysis"`
}

// getEmerging answers GET /api/v1/emerging?unit&from&to&res&step&k&time_lag[&category]
// [&min_severity]: the emerging hot spot analysis (space-time Gi*, FDR per step, Mann-Kendall,
// the 17 ArcGIS Pro categories) of every study-area cell, each with its series.
func (s *Server) getEmerging(c *gin.Context) {
	q, ok := s.analysisQuery(c)
	if !ok {
		return
	}
	step, p, bounds, ok := s.stepPeriod(c, q.unit, DefaultEmergingSteps)
	if !ok {
		return
	}
	steps := len(bounds) - 1
	lag, ok := timeLagParam(c, steps)
	if !ok {
		return
	}
	if steps < MinEmergingSteps {
		tooFewSteps(c, steps, step, "the period")
		return
	}
	cells, counts, ok := s.cube(c, q, bounds)
	if !ok || !checkBins(c, len(cells), steps, q.res) {
		return
	}
	result, err := geo.Emerging(c.Request.Context(), cells, counts, q.k, lag)
	if err != nil {
		analysisFailed(c, err)
		return
	}
	flat := make([]float64, 0, len(cells)*steps)
	for _, row := range counts {
		flat = append(flat, row...)
	}
	mean, sd := meanSD(flat)
	an := emergingAnalysis{
		Unit: q.unit.Code, From: rfc3339(p.From), To: rfc3339(p.To), Step: step, StepBounds: stepStrings(bounds),
		Res: q.res, K: q.k, TimeLag: lag, Categories: orEmpty(q.categories), MinSeverity: q.minSeverity,
		Cells: len(cells), Mean: mean, SD: sd, BinFDR: geo.EmergingFDR, TrendAlpha: geo.EmergingTrendAlpha,
		Summary: map[string]int{},
	}
	out := emergingCollection{Type: "FeatureCollection", Features: make([]emergingFeature, len(result))}
	for i, r := range result {
		g, err := cellGeometry(r.Cell)
		if err != nil {
			fail(c, err)
			return
		}
		cell := r.Cell.String()
		out.Features[i] = emergingFeature{Type: "Feature", ID: cell, Geometry: g, Properties: emergingProps{
			Cell: cell, Category: string(r.Category), Count: r.Count, CountSeries: r.CountSeries,
			ZSeries: r.ZSeries, PSeries: r.PSeries, HotSeries: r.HotSeries, TrendZ: r.TrendZ, TrendP: r.TrendP,
		}}
		an.Incidents += r.Count
		an.Summary[string(r.Category)]++
	}
	out.Analysis = an
	writeGeoJSON(c, out)
}

// ---- GET /api/v1/forecast ----

// ForecastRow is the score of one ranking at one area share, as GET /api/v1/forecast and
// `patrolmap forecast` report it.
type ForecastRow struct {
	Method    string  `json:"method"`     // emerging, last_period or long_run
	Share     float64 `json:"share"`      // nominal share of the study area: 0.05 or 0.10
	Cells     int     `json:"cells"`      // cells selected
	AreaShare float64 `json:"area_share"` // cells selected / study-area cells
	Hits      float64 `json:"hits"`       // held-out incidents in the selected cells
	HitRate   float64 `json:"hit_rate"`   // hits / held-out incidents
	PAI       float64 `json:"pai"`        // hit rate / area share
}

// ForecastAnswer is the body of GET /api/v1/forecast.
type ForecastAnswer struct {
	Unit         string        `json:"unit"`
	From         string        `json:"from"`
	To           string        `json:"to"`
	Step         Step          `json:"step"`
	StepBounds   []string      `json:"step_bounds"`
	Res          int           `json:"res"`
	K            int           `json:"k"`
	TimeLag      int           `json:"time_lag"`
	Categories   []string      `json:"categories"`
	MinSeverity  int           `json:"min_severity"`
	TrainSteps   int           `json:"train_steps"`   // steps the rankings learn from
	HoldoutSteps int           `json:"holdout_steps"` // the last steps, scored
	TrainFrom    string        `json:"train_from"`
	HoldoutFrom  string        `json:"holdout_from"`
	Cells        int           `json:"cells"`
	HeldOut      float64       `json:"held_out"` // incidents in the held-out steps
	Rows         []ForecastRow `json:"rows"`
}

// ForecastRows converts geo's report rows.
func ForecastRows(r geo.ForecastReport) []ForecastRow {
	out := make([]ForecastRow, len(r.Rows))
	for i, row := range r.Rows {
		out[i] = ForecastRow{Method: string(row.Method), Share: row.Share, Cells: row.Cells, AreaShare: row.AreaShare,
			Hits: row.Hits, HitRate: row.HitRate, PAI: row.PAI}
	}
	return out
}

// getForecast answers GET /api/v1/forecast?unit&from&to&res&step&k&time_lag&holdout[&category]
// [&min_severity]: the backtest of the emerging hot spot analysis. The rankings learn from the
// steps before the last holdout ones and are scored on those: hit rate and PAI at 5 % and 10 % of
// the area, for the emerging ranking and the last-period and long-run baselines.
func (s *Server) getForecast(c *gin.Context) {
	q, ok := s.analysisQuery(c)
	if !ok {
		return
	}
	holdout, ok := intParam(c, "holdout", DefaultHoldout, 1, maxSteps)
	if !ok {
		return
	}
	step, p, bounds, ok := s.stepPeriod(c, q.unit, DefaultEmergingSteps+holdout)
	if !ok {
		return
	}
	steps := len(bounds) - 1
	train := steps - holdout
	if train < MinEmergingSteps {
		tooFewSteps(c, max(train, 0), step, fmt.Sprintf("the training part (the period less %d held-out %s)", holdout, plural(step, holdout)))
		return
	}
	lag, ok := timeLagParam(c, train)
	if !ok {
		return
	}
	cells, counts, ok := s.cube(c, q, bounds)
	if !ok || !checkBins(c, len(cells), steps, q.res) {
		return
	}
	report, err := geo.ForecastCheck(c.Request.Context(), cells, counts, holdout, q.k, lag)
	if err != nil {
		analysisFailed(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, ForecastAnswer{
		Unit: q.unit.Code, From: rfc3339(p.From), To: rfc3339(p.To), Step: step, StepBounds: stepStrings(bounds),
		Res: q.res, K: q.k, TimeLag: lag, Categories: orEmpty(q.categories), MinSeverity: q.minSeverity,
		TrainSteps: report.TrainSteps, HoldoutSteps: report.HoldoutSteps,
		TrainFrom: rfc3339(bounds[0]), HoldoutFrom: rfc3339(bounds[report.TrainSteps]),
		Cells: report.Cells, HeldOut: report.HeldOut, Rows: ForecastRows(report),
	})
}
