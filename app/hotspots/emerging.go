package hotspots

import (
	"context"
	"fmt"
	"time"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// SpaceTime is a space-time question: the query, the steps and the period they cover.
type SpaceTime struct {
	Query
	Step    Step
	Period  geo.Period
	Bounds  []time.Time // step bounds (StepBounds)
	TimeLag int         // previous steps in each space-time neighbourhood, 0 to steps−1
}

// Steps is the number of steps.
func (st SpaceTime) Steps() int { return len(st.Bounds) - 1 }

// tooFewSteps is the error of a space-time analysis with fewer than MinEmergingSteps steps.
func tooFewSteps(steps int, step Step, what string) error {
	return unprocessable("from", "too few steps", fmt.Sprintf(
		"%s has %d %s; the emerging hot spot analysis needs at least %d steps (with fewer the Mann-Kendall trend has too little power); start from earlier or use a shorter step",
		what, steps, plural(step, steps), MinEmergingSteps))
}

// checkBins refuses a cube too large for one answer.
func checkBins(cells, steps int) error {
	if cells*steps > MaxEmergingBins {
		return unprocessable("res", "too many cells × steps", fmt.Sprintf(
			"%d cells × %d steps is more than the %d bins one analysis may hold; ask for a coarser res, a longer step or a shorter period",
			cells, steps, MaxEmergingBins))
	}
	return nil
}

// EmergingResult is the emerging hot spot analysis of every study-area cell.
type EmergingResult struct {
	Cells     []geo.EmergingCell
	Mean, SD  float64 // of the whole space-time cube
	Incidents float64
	Summary   map[string]int // cells per category
}

// Emerging runs the emerging hot spot analysis (space-time Gi*, FDR per step, Mann-Kendall,
// the 17 ArcGIS Pro categories) over the steps of st.
func Emerging(ctx context.Context, db Store, st SpaceTime) (*EmergingResult, error) {
	steps := st.Steps()
	if steps < MinEmergingSteps {
		return nil, tooFewSteps(steps, st.Step, "the period")
	}
	cells, counts, err := cube(ctx, db, st.Query, st.Bounds)
	if err != nil {
		return nil, err
	}
	if err := checkBins(len(cells), steps); err != nil {
		return nil, err
	}
	out := &EmergingResult{Summary: map[string]int{}}
	if out.Cells, err = geo.Emerging(ctx, cells, counts, st.K, st.TimeLag); err != nil {
		return nil, analysisError(err)
	}
	flat := make([]float64, 0, len(cells)*steps)
	for _, row := range counts {
		flat = append(flat, row...)
	}
	out.Mean, out.SD = MeanSD(flat)
	for _, r := range out.Cells {
		out.Incidents += r.Count
		out.Summary[string(r.Category)]++
	}
	return out, nil
}

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

// ForecastAnswer is the forecast check as GET /api/v1/forecast and `patrolmap forecast --json`
// answer it.
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

// CheckTraining refuses a forecast check whose training part (the steps less holdout) is
// shorter than MinEmergingSteps.
func CheckTraining(steps, holdout int, step Step) error {
	if train := steps - holdout; train < MinEmergingSteps {
		return tooFewSteps(max(train, 0), step, fmt.Sprintf("the training part (the period less %d held-out %s)", holdout, plural(step, holdout)))
	}
	return nil
}

// Forecast backtests the emerging hot spot analysis: the rankings learn from the steps before
// the last holdout ones and are scored on those — hit rate and PAI at 5 % and 10 % of the area,
// for the emerging ranking and the last-period and long-run baselines.
func Forecast(ctx context.Context, db Store, st SpaceTime, holdout int) (ForecastAnswer, error) {
	steps := st.Steps()
	if err := CheckTraining(steps, holdout, st.Step); err != nil {
		return ForecastAnswer{}, err
	}
	if st.TimeLag < 0 || st.TimeLag >= steps-holdout {
		return ForecastAnswer{}, patrol.Invalid("time_lag", fmt.Sprintf("must be an integer from 0 to %d", steps-holdout-1))
	}
	cells, counts, err := cube(ctx, db, st.Query, st.Bounds)
	if err != nil {
		return ForecastAnswer{}, err
	}
	if err := checkBins(len(cells), steps); err != nil {
		return ForecastAnswer{}, err
	}
	r, err := geo.ForecastCheck(ctx, cells, counts, holdout, st.K, st.TimeLag)
	if err != nil {
		return ForecastAnswer{}, analysisError(err)
	}
	bounds := make([]string, len(st.Bounds))
	for i, b := range st.Bounds {
		bounds[i] = b.UTC().Format(time.RFC3339Nano)
	}
	cats := st.Categories
	if cats == nil {
		cats = []string{}
	}
	out := ForecastAnswer{
		Unit: st.Unit.Code, From: bounds[0], To: bounds[steps], Step: st.Step, StepBounds: bounds,
		Res: st.Res, K: st.K, TimeLag: st.TimeLag, Categories: cats, MinSeverity: st.MinSeverity,
		TrainSteps: r.TrainSteps, HoldoutSteps: r.HoldoutSteps, TrainFrom: bounds[0], HoldoutFrom: bounds[r.TrainSteps],
		Cells: r.Cells, HeldOut: r.HeldOut, Rows: make([]ForecastRow, len(r.Rows)),
	}
	for i, row := range r.Rows {
		out.Rows[i] = ForecastRow{Method: string(row.Method), Share: row.Share, Cells: row.Cells, AreaShare: row.AreaShare,
			Hits: row.Hits, HitRate: row.HitRate, PAI: row.PAI}
	}
	return out, nil
}
