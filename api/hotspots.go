package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/app/hotspots"
	"github.com/patrolmap/patrolmap/geo"
)

// AnalysisBackend is the storage the hot spot analyses need (app/hotspots).
type AnalysisBackend interface {
	hotspots.Store
}

// analysisRoutes registers the hot spot and emerging hot spot analyses and the forecast check.
func (s *Server) analysisRoutes(v1 *gin.RouterGroup) {
	v1.GET("/hotspots", s.requireUser, s.getHotspots)
	v1.GET("/emerging", s.requireUser, s.getEmerging)
	v1.GET("/forecast", s.requireUser, s.getForecast)
}

// analysisQuery reads unit, res, k, category and min_severity, answering the problem itself
// when one is bad.
func (s *Server) analysisQuery(c *gin.Context) (hotspots.Query, bool) {
	var q hotspots.Query
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return q, false
	}
	q.Unit = u
	if q.Res, ok = intParam(c, "res", hotspots.DefaultRes(u), geo.MinRes, geo.MaxRes); !ok {
		return q, false
	}
	if q.K, ok = intParam(c, "k", 1, 0, geo.MaxNeighbourK); !ok {
		return q, false
	}
	if q.MinSeverity, ok = intParam(c, "min_severity", 1, 1, 5); !ok {
		return q, false
	}
	if q.Categories, ok = categoriesParam(c); !ok {
		return q, false
	}
	return q, true
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
	var all []string
	for _, raw := range c.QueryArray("category") {
		all = append(all, strings.Split(raw, ",")...)
	}
	out, err := hotspots.Categories(all)
	if err != nil {
		fail(c, err)
		return nil, false
	}
	return out, true
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
// Benjamini-Hochberg FDR, as DESIGN.md defines it (hotspots.Hotspots).
func (s *Server) getHotspots(c *gin.Context) {
	req := hotspots.HotspotRequest{}
	var ok bool
	if req.Query, ok = s.analysisQuery(c); !ok {
		return
	}
	if req.Period, ok = s.period(c, req.Unit, geo.WindowAll); !ok {
		return
	}
	if req.Alpha, ok = alphaParam(c); !ok {
		return
	}
	if req.Permutations, ok = intParam(c, "permutations", 0, 0, hotspots.MaxPermutations); !ok {
		return
	}
	if req.Seed, ok = seedParam(c); !ok {
		return
	}
	ctx := c.Request.Context() // bounded by the heavy pool's timeout (heavy.go)
	res, err := hotspots.Hotspots(ctx, s.db, req)
	if err != nil {
		fail(c, err)
		return
	}
	out, err := hotspotAnswer(req, res)
	if err != nil {
		fail(c, err)
		return
	}
	writeGeoJSON(c, out)
}

// hotspotAnswer writes a hot spot result as GeoJSON with the analysis beside it.
func hotspotAnswer(req hotspots.HotspotRequest, res *hotspots.HotspotResult) (hotspotCollection, error) {
	an := hotspotAnalysis{
		Unit: req.Unit.Code, From: rfc3339(req.Period.From), To: rfc3339(req.Period.To), Res: req.Res, K: req.K, Alpha: req.Alpha,
		Categories: orEmpty(req.Categories), MinSeverity: req.MinSeverity, Cells: len(res.Cells), Mean: res.Mean, SD: res.SD,
		PValue: "normal", Permutations: req.Permutations, Incidents: res.Incidents, Significant: res.Significant,
	}
	if req.Permutations > 0 {
		an.PValue, an.Seed = "permutation", req.Seed
	}
	out := hotspotCollection{Type: "FeatureCollection", Features: make([]hotspotFeature, len(res.Cells)), Analysis: an}
	for i, r := range res.Cells {
		g, err := geo.CellGeoJSON(r.Cell)
		if err != nil {
			return out, err
		}
		cell := r.Cell.String()
		props := hotspotProps{Cell: cell, Count: r.Count, Z: r.Z, P: r.P, Significant: r.Significant, Confidence: r.Confidence, Class: r.Class}
		if res.PPerm != nil {
			props.PPerm = &res.PPerm[i]
		}
		out.Features[i] = hotspotFeature{Type: "Feature", ID: cell, Geometry: g, Properties: props}
	}
	return out, nil
}

// ---- steps of the space-time analyses ----

// spaceTime reads step, from and to (see hotspots.StepPeriod) of a space-time analysis of q,
// answering the problem itself when one is bad.
func (s *Server) spaceTime(c *gin.Context, q hotspots.Query, defaultSteps int) (hotspots.SpaceTime, bool) {
	st := hotspots.SpaceTime{Query: q}
	step, err := hotspots.ParseStep(c.Query("step"))
	if err != nil {
		writeFieldError(c, err)
		return st, false
	}
	st.Step = step
	if st.Period, st.Bounds, err = hotspots.StepPeriod(c.Query("from"), c.Query("to"), step, defaultSteps, s.cfg.Now(), location(st.Unit)); err != nil {
		writeFieldError(c, err)
		return st, false
	}
	return st, true
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
	Step        hotspots.Step  `json:"step"`
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
// [&min_severity]: the emerging hot spot analysis (hotspots.Emerging) of every study-area cell,
// each with its series.
func (s *Server) getEmerging(c *gin.Context) {
	q, ok := s.analysisQuery(c)
	if !ok {
		return
	}
	st, ok := s.spaceTime(c, q, hotspots.DefaultEmergingSteps)
	if !ok {
		return
	}
	if st.TimeLag, ok = timeLagParam(c, st.Steps()); !ok {
		return
	}
	ctx := c.Request.Context() // bounded by the heavy pool's timeout (heavy.go)
	res, err := hotspots.Emerging(ctx, s.db, st)
	if err != nil {
		fail(c, err)
		return
	}
	an := emergingAnalysis{
		Unit: st.Unit.Code, From: rfc3339(st.Period.From), To: rfc3339(st.Period.To), Step: st.Step, StepBounds: stepStrings(st.Bounds),
		Res: st.Res, K: st.K, TimeLag: st.TimeLag, Categories: orEmpty(st.Categories), MinSeverity: st.MinSeverity,
		Cells: len(res.Cells), Mean: res.Mean, SD: res.SD, BinFDR: geo.EmergingFDR, TrendAlpha: geo.EmergingTrendAlpha,
		Summary: res.Summary, Incidents: res.Incidents,
	}
	out := emergingCollection{Type: "FeatureCollection", Features: make([]emergingFeature, len(res.Cells)), Analysis: an}
	for i, r := range res.Cells {
		g, err := geo.CellGeoJSON(r.Cell)
		if err != nil {
			fail(c, err)
			return
		}
		cell := r.Cell.String()
		out.Features[i] = emergingFeature{Type: "Feature", ID: cell, Geometry: g, Properties: emergingProps{
			Cell: cell, Category: string(r.Category), Count: r.Count, CountSeries: r.CountSeries,
			ZSeries: r.ZSeries, PSeries: r.PSeries, HotSeries: r.HotSeries, TrendZ: r.TrendZ, TrendP: r.TrendP,
		}}
	}
	writeGeoJSON(c, out)
}

// ---- GET /api/v1/forecast ----

// getForecast answers GET /api/v1/forecast?unit&from&to&res&step&k&time_lag&holdout[&category]
// [&min_severity]: the backtest of the emerging hot spot analysis (hotspots.Forecast).
func (s *Server) getForecast(c *gin.Context) {
	q, ok := s.analysisQuery(c)
	if !ok {
		return
	}
	holdout, ok := intParam(c, "holdout", hotspots.DefaultHoldout, 1, hotspots.MaxSteps)
	if !ok {
		return
	}
	st, ok := s.spaceTime(c, q, hotspots.DefaultEmergingSteps+holdout)
	if !ok {
		return
	}
	if err := hotspots.CheckTraining(st.Steps(), holdout, st.Step); err != nil {
		fail(c, err)
		return
	}
	if st.TimeLag, ok = timeLagParam(c, st.Steps()-holdout); !ok {
		return
	}
	ctx := c.Request.Context() // bounded by the heavy pool's timeout (heavy.go)
	out, err := hotspots.Forecast(ctx, s.db, st, holdout)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
}
