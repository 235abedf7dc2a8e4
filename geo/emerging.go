package geo

import (
	"context"
	"fmt"
	"strings"

	"github.com/uber/h3-go/v4"
)

// EmergingCategory is one of the 17 categories of ArcGIS Pro's Emerging Hot Spot Analysis,
// written in snake_case.
type EmergingCategory string

// The emerging hot spot categories. ClassifyEmerging defines them.
const (
	CategoryNewHotSpot           EmergingCategory = "new_hot_spot"
	CategoryConsecutiveHotSpot   EmergingCategory = "consecutive_hot_spot"
	CategoryIntensifyingHotSpot  EmergingCategory = "intensifying_hot_spot"
	CategoryPersistentHotSpot    EmergingCategory = "persistent_hot_spot"
	CategoryDiminishingHotSpot   EmergingCategory = "diminishing_hot_spot"
	CategorySporadicHotSpot      EmergingCategory = "sporadic_hot_spot"
	CategoryOscillatingHotSpot   EmergingCategory = "oscillating_hot_spot"
	CategoryHistoricalHotSpot    EmergingCategory = "historical_hot_spot"
	CategoryNewColdSpot          EmergingCategory = "new_cold_spot"
	CategoryConsecutiveColdSpot  EmergingCategory = "consecutive_cold_spot"
	CategoryIntensifyingColdSpot EmergingCategory = "intensifying_cold_spot"
	CategoryPersistentColdSpot   EmergingCategory = "persistent_cold_spot"
	CategoryDiminishingColdSpot  EmergingCategory = "diminishing_cold_spot"
	CategorySporadicColdSpot     EmergingCategory = "sporadic_cold_spot"
	CategoryOscillatingColdSpot  EmergingCategory = "oscillating_cold_spot"
	CategoryHistoricalColdSpot   EmergingCategory = "historical_cold_spot"
	CategoryNoPattern            EmergingCategory = "no_pattern"
)

// IsHot reports whether c is one of the eight hot spot categories.
func (c EmergingCategory) IsHot() bool { return strings.HasSuffix(string(c), "_hot_spot") }

// IsCold reports whether c is one of the eight cold spot categories.
func (c EmergingCategory) IsCold() bool { return strings.HasSuffix(string(c), "_cold_spot") }

// Significance levels of the emerging hot spot analysis.
const (
	// EmergingFDR is the Benjamini-Hochberg false discovery rate, applied per time step, at
	// which a space-time bin is a significant hot or cold spot (90 % confidence).
	EmergingFDR = 0.10
	// EmergingTrendAlpha is the level below which the Mann-Kendall p-value of a cell's z
	// series makes its trend significant.
	EmergingTrendAlpha = 0.05
)

// EmergingCell is the emerging hot spot result of one study-area cell.
type EmergingCell struct {
	Cell        h3.Cell
	Category    EmergingCategory
	Count       float64   // total count over all steps
	CountSeries []float64 // count per step, oldest first
	ZSeries     []float64 // space-time Gi* z-score per step
	PSeries     []float64 // two-sided p-value per step
	HotSeries   []int     // +1 significant hot, −1 significant cold, 0 neither, per step
	TrendZ      float64   // Mann-Kendall Z of ZSeries
	TrendP      float64   // Mann-Kendall two-sided p of ZSeries
}

// Emerging returns the emerging hot spot analysis of a space-time cube of counts, where
// counts[t][i] is the count of cells[i] in step t (t = 0 the oldest). The Gi* z-score of bin
// (i, t) uses as neighbours the bins (j, s) with j among the cells of GridDisk(cells[i], k) in
// cells (i itself included) and s in t, t−1, …, t−timeLag (s ≥ 0), binary weights, and the mean
// and standard deviation of the whole cube (n = cells × steps). Each bin gets the two-sided normal
// p-value; Benjamini-Hochberg at EmergingFDR within each step marks it a significant hot (z > 0)
// or cold (z < 0) spot. Mann-Kendall on each cell's z series gives the trend, and
// ClassifyEmerging the category. The result is in the order of cells.
//
// k must be in 0..MaxNeighbourK, timeLag in 0..steps−1, every step must hold one finite,
// non-negative count per cell, and there must be at least 2 cells and 2 steps. ArcGIS asks for at
// least 10 steps; with fewer the trend test has little power and "at least 90 % of steps" means
// all of them. When the whole cube is constant every z is 0 and every cell no_pattern. It stops,
// returning ctx's error wrapped, soon after ctx ends (it checks between steps and every 1,024
// cells).
func Emerging(ctx context.Context, cells []h3.Cell, counts [][]float64, k, timeLag int) ([]EmergingCell, error) {
	out, err := emerging(ctx, cells, counts, k, timeLag)
	if err != nil {
		return nil, fmt.Errorf("geo: emerging: %w", err)
	}
	return out, nil
}

// emerging is Emerging with unprefixed errors.
func emerging(ctx context.Context, cells []h3.Cell, counts [][]float64, k, timeLag int) ([]EmergingCell, error) {
	if err := checkAnalysisInput(cells, k); err != nil {
		return nil, err
	}
	nCells, nSteps := len(cells), len(counts)
	if nSteps < 2 {
		return nil, badInput("%d time steps, need at least 2", nSteps)
	}
	if timeLag < 0 || timeLag >= nSteps {
		return nil, badInput("time lag %d is not in 0..%d", timeLag, nSteps-1)
	}
	cube := make([]float64, 0, nCells*nSteps) // step-major: cube[t*nCells+i]
	for t, row := range counts {
		if len(row) != nCells {
			return nil, badInput("step %d has %d counts for %d cells", t, len(row), nCells)
		}
		if err := checkCounts(row); err != nil {
			return nil, fmt.Errorf("step %d: %w", t, err)
		}
		cube = append(cube, row...)
	}
	nb, err := h3Neighbours(cells, k)
	if err != nil {
		return nil, err
	}
	mom := giMomentsOf(cube)

	// Spatial neighbour sums per bin; the space-time sum adds them over the lagged steps.
	lag := make([]float64, len(cube))
	for t := range nSteps {
		if err := stopped(ctx, "emerging"); err != nil {
			return nil, err
		}
		row := cube[t*nCells : (t+1)*nCells]
		out := lag[t*nCells : (t+1)*nCells]
		for i, nbr := range nb {
			var s float64
			for _, j := range nbr {
				s += row[j]
			}
			out[i] = s
		}
	}
	z := make([]float64, len(cube))
	p := make([]float64, len(cube))
	bins := make([]int, len(cube))
	for t := range nSteps {
		if err := stopped(ctx, "emerging"); err != nil {
			return nil, err
		}
		first := max(0, t-timeLag)
		steps := t - first + 1
		for i, nbr := range nb {
			var sum float64
			for s := first; s <= t; s++ {
				sum += lag[s*nCells+i]
			}
			w := float64(len(nbr) * steps)
			b := t*nCells + i
			z[b] = mom.z(sum, w, w)
			p[b] = TwoSidedP(z[b])
		}
		pass := BenjaminiHochberg(p[t*nCells:(t+1)*nCells], EmergingFDR)
		for i, ok := range pass {
			b := t*nCells + i
			switch {
			case ok && z[b] > 0:
				bins[b] = 1
			case ok && z[b] < 0:
				bins[b] = -1
			}
		}
	}

	// Per-cell series share cell-major backing arrays.
	countFlat := make([]float64, len(cube))
	zFlat := make([]float64, len(cube))
	pFlat := make([]float64, len(cube))
	hotFlat := make([]int, len(cube))
	scratch := make([]float64, 0, nSteps)
	out := make([]EmergingCell, nCells)
	for i, c := range cells {
		if i%1024 == 0 {
			if err := stopped(ctx, "emerging"); err != nil {
				return nil, err
			}
		}
		lo, hi := i*nSteps, (i+1)*nSteps
		var total float64
		for t := range nSteps {
			b := t*nCells + i
			countFlat[lo+t] = cube[b]
			zFlat[lo+t] = z[b]
			pFlat[lo+t] = p[b]
			hotFlat[lo+t] = bins[b]
			total += cube[b]
		}
		zs := zFlat[lo:hi:hi]
		hs := hotFlat[lo:hi:hi]
		mk := mannKendall(zs, scratch)
		out[i] = EmergingCell{
			Cell:        c,
			Category:    ClassifyEmerging(hs, mk.Z, mk.P),
			Count:       total,
			CountSeries: countFlat[lo:hi:hi],
			ZSeries:     zs,
			PSeries:     pFlat[lo:hi:hi],
			HotSeries:   hs,
			TrendZ:      mk.Z,
			TrendP:      mk.P,
		}
	}
	return out, nil
}

// emergingFamily names the categories of one side, hot or cold.
type emergingFamily struct {
	newSpot, consecutive, intensifying, persistent, diminishing, sporadic, oscillating, historical EmergingCategory
}

// ClassifyEmerging returns the ArcGIS Pro emerging hot spot category of a cell from its series of
// significant bins (oldest first; > 0 a significant hot spot, < 0 a significant cold spot, 0
// neither) and the Mann-Kendall Z and p of its z series; the trend is significant when
// trendP < EmergingTrendAlpha. With n steps, "at least 90 % of steps" means at least ceil(0.9·n)
// of them (all 8 of 8, 9 of 10). The checks run in this order, and the first that holds wins:
//
//  1. Final step hot, at least 90 % of steps hot: intensifying when the trend is significant
//     and increasing, diminishing when significant and decreasing, persistent otherwise.
//  2. Final step hot, under 90 % hot, and some earlier step significantly cold: oscillating.
//     (A cold history takes precedence over new and consecutive, as in sfdep.)
//  3. Final step hot and the only hot step: new.
//  4. Final step hot and the hot steps one uninterrupted run (of at least 2) ending in it:
//     consecutive.
//  5. Final step hot otherwise (hot before the final run, with gaps, never cold): sporadic.
//  6. Final step cold: steps 1–5 mirrored, with the trend's sign flipped (an intensifying cold
//     spot has a significantly decreasing z).
//  7. Final step not significant and at least 90 % of steps hot: historical hot spot; at least
//     90 % of steps cold: historical cold spot.
//  8. Otherwise, and for an empty series: no_pattern.
//
// So intensifying, persistent and diminishing all need the final step hot (a cell hot in 90 %
// of steps but not in the final one is historical), and only the trend tells them apart.
func ClassifyEmerging(bins []int, trendZ, trendP float64) EmergingCategory {
	n := len(bins)
	if n == 0 {
		return CategoryNoPattern
	}
	hot := emergingFamily{
		CategoryNewHotSpot, CategoryConsecutiveHotSpot, CategoryIntensifyingHotSpot, CategoryPersistentHotSpot,
		CategoryDiminishingHotSpot, CategorySporadicHotSpot, CategoryOscillatingHotSpot, CategoryHistoricalHotSpot,
	}
	cold := emergingFamily{
		CategoryNewColdSpot, CategoryConsecutiveColdSpot, CategoryIntensifyingColdSpot, CategoryPersistentColdSpot,
		CategoryDiminishingColdSpot, CategorySporadicColdSpot, CategoryOscillatingColdSpot, CategoryHistoricalColdSpot,
	}
	need := (9*n + 9) / 10 // ceil(0.9·n) in integers
	switch last := bins[n-1]; {
	case last > 0:
		return classifyFinal(bins, 1, trendZ, trendP, need, hot)
	case last < 0:
		return classifyFinal(bins, -1, -trendZ, trendP, need, cold)
	}
	switch {
	case countSide(bins, 1) >= need:
		return CategoryHistoricalHotSpot
	case countSide(bins, -1) >= need:
		return CategoryHistoricalColdSpot
	}
	return CategoryNoPattern
}

// classifyFinal classifies a series whose final step is significant on side (+1 hot, −1 cold);
// trendZ is already multiplied by side.
func classifyFinal(bins []int, side int, trendZ, trendP float64, need int, f emergingFamily) EmergingCategory {
	spots := countSide(bins, side)
	if spots >= need {
		switch significant := trendP < EmergingTrendAlpha; {
		case significant && trendZ > 0:
			return f.intensifying
		case significant && trendZ < 0:
			return f.diminishing
		}
		return f.persistent
	}
	if countSide(bins, -side) > 0 {
		return f.oscillating
	}
	if spots == 1 {
		return f.newSpot
	}
	run := 0
	for t := len(bins) - 1; t >= 0 && onSide(bins[t], side); t-- {
		run++
	}
	if run == spots {
		return f.consecutive
	}
	return f.sporadic
}

// countSide returns how many bins are significant on side (+1 hot, −1 cold).
func countSide(bins []int, side int) int {
	c := 0
	for _, b := range bins {
		if onSide(b, side) {
			c++
		}
	}
	return c
}

// onSide reports whether bin b is significant on side (+1 hot, −1 cold).
func onSide(b, side int) bool {
	return (side > 0 && b > 0) || (side < 0 && b < 0)
}
