package reporting

import (
	"cmp"
	"context"
	"errors"
	"math"
	"slices"
	"time"

	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/app/hotspots"
	"github.com/patrolmap/patrolmap/app/unit"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/report"
)

func nan() float64 { return math.NaN() }

// hotspots runs the hot spots use case (app/hotspots) over all the period's incidents and
// groups the significant hot cells into clusters: section 4, for information (the verdict
// judges each group on its own).
func (s *Service) hotspots(ctx context.Context, u patrol.Unit, res int, p geo.Period, r *report.Report, pl *Places, lang string) error {
	q := hotspots.Query{Unit: u, Res: res, K: reportK, MinSeverity: 1}
	result, err := hotspots.Hotspots(ctx, s.Repo, hotspots.HotspotRequest{Query: q, Period: p, Alpha: reportAlpha})
	var fe *patrol.FieldError
	if errors.As(err, &fe) && errors.Is(fe.Kind, patrol.ErrUnprocessable) {
		// The report asks for no resolution: say why the statistics cannot run, naming no field.
		return &geo.AnalysisInputError{Msg: fe.Error()}
	}
	if err != nil {
		return err
	}
	hs := report.Hotspots{From: p.From, To: p.To, Res: res, K: reportK, Alpha: reportAlpha,
		Incidents: result.Incidents, Mean: result.Mean, SD: result.SD}
	hot := map[h3.Cell]report.HotCell{}
	for _, c := range result.Cells {
		hc := report.HotCell{Cell: c.Cell, Count: c.Count, Z: c.Z, P: c.P, Significant: c.Significant, Confidence: c.Confidence, Class: c.Class}
		hs.Cells = append(hs.Cells, hc)
		if c.Significant && c.Z > 0 {
			hot[c.Cell] = hc
		}
	}
	groups, err := components(keysOf(hot))
	if err != nil {
		return err
	}
	for _, g := range groups {
		cl, err := hotCluster(g, hot, pl, lang)
		if err != nil {
			return err
		}
		hs.Clusters = append(hs.Clusters, cl)
	}
	slices.SortStableFunc(hs.Clusters, func(a, b report.HotCluster) int { return cmp.Compare(b.MaxZ, a.MaxZ) })
	r.Hotspots = hs
	return nil
}

// hotCluster describes a connected set of significant hot cells: its cells by z, where it is
// and what it holds.
func hotCluster(g []h3.Cell, hot map[h3.Cell]report.HotCell, pl *Places, lang string) (report.HotCluster, error) {
	cl := report.HotCluster{}
	for _, c := range g {
		cl.Cells = append(cl.Cells, hot[c])
	}
	slices.SortFunc(cl.Cells, func(a, b report.HotCell) int { return cmp.Or(cmp.Compare(b.Z, a.Z), cmp.Compare(a.Cell, b.Cell)) })
	cl.MaxZ, cl.MinP = cl.Cells[0].Z, cl.Cells[0].P
	for _, hc := range cl.Cells {
		cl.MinP = math.Min(cl.MinP, hc.P)
	}
	var err error
	if cl.Centre, err = centreOf(g); err != nil {
		return cl, err
	}
	cl.Near = pl.NearestRoad(cl.Centre, lang)
	cl.Groups = pl.GroupsOf(g)
	cl.KeyAreas = pl.KeyAreasOf(g)
	cl.Incidents, cl.ByCategory = pl.incidentsIn(g)
	return cl, nil
}

// emerging runs the emerging hot spots use case (app/hotspots) in weekly steps ending with the
// period: as many whole weeks as the period holds, or reportEmergingWeek weeks when that is
// fewer than reportEmergingMin. An analysis the input cannot carry is skipped with its reason.
func (s *Service) emerging(ctx context.Context, u patrol.Unit, res int, p geo.Period, r *report.Report, pl *Places, lang string) error {
	loc := unit.Location(u)
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
	result, err := hotspots.Emerging(ctx, s.Repo, hotspots.SpaceTime{Query: hotspots.Query{Unit: u, Res: res, K: reportK, MinSeverity: 1},
		Step: hotspots.StepWeek, Period: geo.Period{From: bounds[0], To: bounds[weeks]}, Bounds: bounds, TimeLag: reportTimeLag})
	var fe *patrol.FieldError
	if errors.As(err, &fe) && errors.Is(fe.Kind, patrol.ErrUnprocessable) {
		em.Skipped = fe.Error()
		r.Emerging = em
		return nil
	}
	if err != nil {
		return err
	}
	em.Ran, em.StudyCells, em.Incidents = true, len(result.Cells), result.Incidents
	for _, c := range result.Cells {
		if c.Category == geo.CategoryNoPattern {
			continue
		}
		centre, err := geo.CellCentre(c.Cell)
		if err != nil {
			return err
		}
		em.Cells = append(em.Cells, report.EmergingCell{Cell: c.Cell, Category: string(c.Category), Count: c.Count,
			TrendZ: c.TrendZ, TrendP: c.TrendP, Place: pl.Describe(centre, []h3.Cell{c.Cell}, lang)})
	}
	order := emergingOrder()
	slices.SortStableFunc(em.Cells, func(a, b report.EmergingCell) int {
		return cmp.Or(cmp.Compare(order[a.Category], order[b.Category]), cmp.Compare(b.Count, a.Count), cmp.Compare(a.Cell, b.Cell))
	})
	cats := make([]string, 0, len(result.Summary))
	for c := range result.Summary {
		cats = append(cats, c)
	}
	slices.SortFunc(cats, func(a, b string) int { return cmp.Compare(order[a], order[b]) })
	for _, c := range cats {
		em.Summary = append(em.Summary, report.CategoryCount{Category: c, Count: result.Summary[c]})
	}
	r.Emerging = em
	return nil
}

// emergingOrder ranks the categories: hot ones from the most pressing, cold ones, then no
// pattern.
func emergingOrder() map[string]int {
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
