// Package hotspots owns where problems form: Getis-Ord Gi* hot spots of a period (with FDR and
// optional permutation p-values), emerging hot spots over weekly or monthly steps, and the
// forecast check that backtests the emerging ranking against naive baselines. It reads the
// incident cube of a unit's study area and leaves the statistics to geo.
package hotspots

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// Store is the storage the hot spot analyses read; store.Store implements it.
type Store interface {
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
	// MaxHotspotCells is the most study-area cells one hot spot analysis holds.
	MaxHotspotCells = 200_000
	// MaxEmergingBins is the most cells × steps an emerging analysis or forecast check holds
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
	// MaxPermutations bounds the permutations of one hot spot analysis.
	MaxPermutations = 99_999
)

// DefaultRes is the resolution an analysis of u runs at when none is asked for: the unit's,
// or geo.DefaultRes when the stored one is not valid (the analyses take res as a parameter, so
// they can still answer).
func DefaultRes(u patrol.Unit) int {
	if geo.ValidRes(u.H3Res) {
		return u.H3Res
	}
	return geo.DefaultRes
}

// Query is what the analyses share: the unit, the resolution, the neighbourhood and the
// incident filters.
type Query struct {
	Unit        patrol.Unit
	Res         int
	K           int
	Categories  []string // sorted, without duplicates; empty selects every category
	MinSeverity int
}

// Categories checks and sorts a list of incident categories, dropping blanks and duplicates.
func Categories(list []string) ([]string, error) {
	var out []string
	for _, v := range list {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		if !patrol.ValidCategory(v) {
			return nil, patrol.Invalid("category", fmt.Sprintf("%q is not one of %s", v, strings.Join(patrol.Categories, ", ")))
		}
		out = append(out, v)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// unprocessable is a 422-kind error naming field.
func unprocessable(field, reason, detail string) error {
	return &patrol.FieldError{Field: field, Reason: reason, Kind: patrol.ErrUnprocessable, Detail: detail}
}

// analysisError turns bad input to the statistics into a 422-kind error with the reason.
func analysisError(err error) error {
	var in *geo.AnalysisInputError
	if errors.As(err, &in) {
		return &patrol.FieldError{Kind: patrol.ErrUnprocessable, Detail: "the analysis cannot run on this input: " + in.Msg}
	}
	return err
}

// cube loads the study area of q and its counts per step.
func cube(ctx context.Context, db Store, q Query, bounds []time.Time) ([]h3.Cell, [][]float64, error) {
	cells, counts, err := db.IncidentCube(ctx, q.Unit.ID, q.Res, bounds, q.Categories, q.MinSeverity)
	if err != nil {
		return nil, nil, analysisError(err)
	}
	if len(cells) < 2 {
		return nil, nil, unprocessable("res", "too few study-area cells", fmt.Sprintf(
			"the study area of unit %s at resolution %d has %d cell(s); Gi* needs at least 2 (the unit's boundary holds no cell centre at this resolution and too few incidents lie outside it)",
			q.Unit.Code, q.Res, len(cells)))
	}
	return cells, counts, nil
}

// MeanSD returns the mean and population standard deviation of x, as Gi* uses them.
func MeanSD(x []float64) (mean, sd float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		sd += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(sd / float64(len(x)))
}

// HotspotRequest asks for the hot spots of a period.
type HotspotRequest struct {
	Query
	Period       geo.Period
	Alpha        float64 // false discovery rate, (0, 1)
	Permutations int     // 0: normal p-values only
	Seed         int64
}

// HotspotResult is Gi* of every study-area cell of a period.
type HotspotResult struct {
	Cells       []geo.HotspotCell
	PPerm       []float64 // pseudo p-values, when permutations were asked for
	Mean, SD    float64   // of the counts
	Incidents   float64
	Significant int
}

// Hotspots runs Gi* with Benjamini-Hochberg FDR on the incident counts of every study-area
// cell of the period, as DESIGN.md defines it. With permutations, significance and confidence
// follow the pseudo p-values, as in ArcGIS; p stays the normal p-value of z.
func Hotspots(ctx context.Context, db Store, req HotspotRequest) (*HotspotResult, error) {
	cells, counts, err := cube(ctx, db, req.Query, []time.Time{req.Period.From, req.Period.To})
	if err != nil {
		return nil, err
	}
	x := counts[0]
	if len(cells) > MaxHotspotCells {
		return nil, unprocessable("res", "too many cells", fmt.Sprintf(
			"the study area has %d cells at resolution %d, more than the %d one answer may hold; ask for a coarser res",
			len(cells), req.Res, MaxHotspotCells))
	}
	if req.Permutations > 0 && len(cells)*req.Permutations > MaxPermutationWork {
		return nil, unprocessable("permutations", "too many for this study area", fmt.Sprintf(
			"%d permutations of %d cells is more work than one request may ask for (cells × permutations ≤ %d)",
			req.Permutations, len(cells), MaxPermutationWork))
	}
	out := &HotspotResult{}
	if out.Cells, err = geo.Hotspots(cells, x, req.K, req.Alpha); err != nil {
		return nil, analysisError(err)
	}
	if req.Permutations > 0 {
		if out.PPerm, err = permutationSignificance(ctx, out.Cells, cells, x, req); err != nil {
			return nil, err
		}
	}
	out.Mean, out.SD = MeanSD(x)
	for _, r := range out.Cells {
		out.Incidents += r.Count
		if r.Significant {
			out.Significant++
		}
	}
	return out, nil
}

// permutationSignificance replaces significance, confidence and class by those of the
// conditional permutation test and returns its pseudo p-values.
func permutationSignificance(ctx context.Context, result []geo.HotspotCell, cells []h3.Cell, x []float64, req HotspotRequest) ([]float64, error) {
	nb, err := geo.H3Neighbours(cells, req.K)
	if err != nil {
		return nil, analysisError(err)
	}
	pPerm, err := geo.GiStarPermutation(ctx, x, nb, req.Permutations, req.Seed)
	if err != nil {
		return nil, analysisError(err)
	}
	sig := geo.BenjaminiHochberg(pPerm, req.Alpha)
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
	return pPerm, nil
}
