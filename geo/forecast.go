package geo

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/uber/h3-go/v4"
)

// ForecastMethod names a way of choosing the cells to patrol in ForecastCheck.
type ForecastMethod string

// The forecast methods compared by ForecastCheck.
const (
	// ForecastEmerging ranks cells by the emerging hot spot analysis of the training steps: hot
	// spot categories first, then no_pattern, then cold spot categories; within each group by
	// the z-score of the last training step (highest first), then by the training total.
	ForecastEmerging ForecastMethod = "emerging"
	// ForecastLastPeriod ranks cells by their count in the last training step.
	ForecastLastPeriod ForecastMethod = "last_period"
	// ForecastLongRun ranks cells by their total count over the training steps.
	ForecastLongRun ForecastMethod = "long_run"
)

// ForecastRow is the score of one method at one area share.
type ForecastRow struct {
	Method    ForecastMethod
	Share     float64 // nominal area share: 0.05 or 0.10
	Cells     int     // cells selected: the top ceil(Share·n)
	AreaShare float64 // Cells / n, the share of the study area actually selected
	Hits      float64 // held-out incidents in the selected cells
	HitRate   float64 // Hits / ForecastReport.HeldOut, 0 when nothing was held out
	PAI       float64 // predictive accuracy index: HitRate / AreaShare
}

// ForecastReport is the backtest of the emerging hot spot analysis against naive baselines.
type ForecastReport struct {
	TrainSteps   int     // steps [0, TrainSteps) used to rank
	HoldoutSteps int     // steps [TrainSteps, TrainSteps+HoldoutSteps) scored
	Cells        int     // n, the study-area cells
	HeldOut      float64 // all incidents in the held-out steps
	Rows         []ForecastRow
}

// ForecastCheck backtests the emerging hot spot analysis: it trains on the steps
// [0, T−holdout) of counts (counts[t][i] as in Emerging, with k and timeLag passed on), ranks the
// cells by each ForecastMethod, and scores the held-out steps' total count per cell. For area
// shares of 5 % and 10 % it selects the top ceil(share·n) cells and reports the hit rate (held-out
// incidents in them / all held-out incidents) and the PAI (hit rate / the area share actually
// selected, Cells/n; hexagons are taken as equal in area). Rows come method by method (emerging,
// last_period, long_run), 5 % before 10 %. Ties in a ranking are broken by the training total
// (emerging only) and then by the order of cells, so the result is deterministic. holdout must be
// at least 1 and leave at least 2 training steps; timeLag must be below the training steps.
// It stops with ctx, as Emerging does.
func ForecastCheck(ctx context.Context, cells []h3.Cell, counts [][]float64, holdout int, k, timeLag int) (ForecastReport, error) {
	nSteps := len(counts)
	if holdout < 1 || nSteps-holdout < 2 {
		return ForecastReport{}, badInput("geo: forecast check: holdout %d of %d steps must be at least 1 and leave at least 2 training steps", holdout, nSteps)
	}
	train := nSteps - holdout
	result, err := emerging(ctx, cells, counts[:train], k, timeLag)
	if err != nil {
		return ForecastReport{}, fmt.Errorf("geo: forecast check: training steps: %w", err)
	}
	n := len(cells)
	for t := train; t < nSteps; t++ {
		if len(counts[t]) != n {
			return ForecastReport{}, badInput("geo: forecast check: step %d has %d counts for %d cells", t, len(counts[t]), n)
		}
		if err := checkCounts(counts[t]); err != nil {
			return ForecastReport{}, fmt.Errorf("geo: forecast check: step %d: %w", t, err)
		}
	}
	heldOut := make([]float64, n)
	var total float64
	for t := train; t < nSteps; t++ {
		for i, v := range counts[t] {
			heldOut[i] += v
			total += v
		}
	}
	longRun := make([]float64, n)
	for i, c := range result {
		longRun[i] = c.Count
	}
	last := counts[train-1]

	rankings := []struct {
		method ForecastMethod
		order  []int
	}{
		{ForecastEmerging, rankEmerging(result)},
		{ForecastLastPeriod, rankDescending(last)},
		{ForecastLongRun, rankDescending(longRun)},
	}
	report := ForecastReport{TrainSteps: train, HoldoutSteps: holdout, Cells: n, HeldOut: total}
	for _, r := range rankings {
		for _, pct := range [...]int{5, 10} { // nominal area shares in percent
			sel := (pct*n + 99) / 100 // ceil(pct·n/100) in integers
			var hits float64
			for _, i := range r.order[:sel] {
				hits += heldOut[i]
			}
			row := ForecastRow{
				Method:    r.method,
				Share:     float64(pct) / 100,
				Cells:     sel,
				AreaShare: float64(sel) / float64(n),
				Hits:      hits,
			}
			if total > 0 {
				row.HitRate = hits / total
				row.PAI = row.HitRate / row.AreaShare
			}
			report.Rows = append(report.Rows, row)
		}
	}
	return report, nil
}

// rankEmerging returns cell indices ordered for the emerging forecast: hot categories, then
// no_pattern, then cold categories; within a group by last-step z, then total count (both
// descending), then index.
func rankEmerging(cells []EmergingCell) []int {
	group := func(c EmergingCategory) int {
		switch {
		case c.IsHot():
			return 0
		case c.IsCold():
			return 2
		}
		return 1
	}
	lastZ := func(c EmergingCell) float64 { return c.ZSeries[len(c.ZSeries)-1] }
	order := make([]int, len(cells))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ca, cb := cells[a], cells[b]
		return cmp.Or(
			cmp.Compare(group(ca.Category), group(cb.Category)),
			cmp.Compare(lastZ(cb), lastZ(ca)),
			cmp.Compare(cb.Count, ca.Count),
		)
	})
	return order
}

// rankDescending returns the indices of v ordered by value, highest first, ties by index.
func rankDescending(v []float64) []int {
	order := make([]int, len(v))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(v[b], v[a]) })
	return order
}
