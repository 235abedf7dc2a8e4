package reporting

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/report"
)

func nan() float64 { return math.NaN() }

// hotspots runs Gi* over all the period's incidents and groups the significant hot cells into
// clusters: section 4, for information (the verdict judges each group on its own).
func (s *Service) hotspots(ctx context.Context, u patrol.Unit, res int, p geo.Period, r *report.Report, pl *Places, lang string) error {
	cells, counts, err := s.Repo.IncidentCube(ctx, u.ID, res, []time.Time{p.From, p.To}, nil, 1)
	if err != nil {
		return err
	}
	if len(cells) < 2 {
		return errNoCells(u.Code, len(cells), res)
	}
	x := counts[0]
	result, err := geo.Hotspots(cells, x, reportK, reportAlpha)
	if err != nil {
		return err
	}
	hs := report.Hotspots{From: p.From, To: p.To, Res: res, K: reportK, Alpha: reportAlpha}
	for _, v := range x {
		hs.Incidents += v
	}
	hs.Mean = hs.Incidents / float64(len(x))
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
	groups, err := components(keysOf(hot))
	if err != nil {
		return err
	}
	for _, g := range groups {
		cl := report.HotCluster{}
		for _, c := range g {
			cl.Cells = append(cl.Cells, hot[c])
		}
		slices.SortFunc(cl.Cells, func(a, b report.HotCell) int { return cmp.Or(cmp.Compare(b.Z, a.Z), cmp.Compare(a.Cell, b.Cell)) })
		cl.MaxZ, cl.MinP = cl.Cells[0].Z, cl.Cells[0].P
		for _, hc := range cl.Cells {
			cl.MinP = math.Min(cl.MinP, hc.P)
		}
		if cl.Centre, err = centreOf(g); err != nil {
			return err
		}
		cl.Near = pl.NearestRoad(cl.Centre, lang)
		cl.Groups = pl.GroupsOf(g)
		cl.KeyAreas = pl.KeyAreasOf(g)
		cl.Incidents, cl.ByCategory = pl.incidentsIn(g)
		hs.Clusters = append(hs.Clusters, cl)
	}
	slices.SortStableFunc(hs.Clusters, func(a, b report.HotCluster) int { return cmp.Compare(b.MaxZ, a.MaxZ) })
	r.Hotspots = hs
	return nil
}

// emerging runs the emerging hot spot analysis in weekly steps ending with the period: as many
// whole weeks as the period holds, or reportEmergingWeek weeks when that is fewer than
// reportEmergingMin.
func (s *Service) emerging(ctx context.Context, u patrol.Unit, res int, p geo.Period, r *report.Report, pl *Places, lang string) error {
	loc := Location(u)
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
	cells, counts, err := s.Repo.IncidentCube(ctx, u.ID, res, bounds, nil, 1)
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
			TrendZ: c.TrendZ, TrendP: c.TrendP, Place: pl.Describe(centre, []h3.Cell{c.Cell}, lang)})
	}
	order := emergingOrder()
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
