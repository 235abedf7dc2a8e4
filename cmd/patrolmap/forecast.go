package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

const forecastUsage = `patrolmap forecast --unit CODE [--from DATE] [--to DATE] [--holdout 4] [--step week|month]
                   [--res R] [--k 1] [--time-lag 1] [--category a,b] [--min-severity N] [--json]`

// cmdForecast runs `patrolmap forecast`: the backtest of the emerging hot spot analysis. It
// trains on the steps of [from, to) before the last holdout ones, ranks the study-area cells by
// the emerging result and by two naive baselines (the last training step's counts, the training
// total), and prints the hit rate and PAI of the top 5 % and 10 % of the area on the held-out
// steps. It is GET /api/v1/forecast without the server.
func cmdForecast(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("forecast", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	unitCode := fs.String("unit", "", "unit code (required)")
	from := fs.String("from", "", "first day, YYYY-MM-DD local, or an RFC 3339 time (default: 12 steps plus the holdout before --to)")
	to := fs.String("to", "", "day after the last, YYYY-MM-DD local, or an RFC 3339 time (default: tomorrow)")
	holdout := fs.Int("holdout", api.DefaultHoldout, "last steps held out and scored")
	stepFlag := fs.String("step", "week", "step: week or month")
	res := fs.Int("res", 0, "H3 resolution 8–11 (default: the unit's)")
	k := fs.Int("k", 1, "neighbourhood: H3 GridDisk(k), 0–5")
	timeLag := fs.Int("time-lag", 1, "previous steps in each space-time neighbourhood")
	category := fs.String("category", "", "only these incident categories, comma-separated")
	minSeverity := fs.Int("min-severity", 1, "only incidents of at least this severity, 1–5")
	asJSON := fs.Bool("json", false, "print the report as JSON, as GET /api/v1/forecast answers")
	if err := fs.Parse(args); err != nil {
		return usageError{"forecast: " + err.Error() + "\n" + forecastUsage}
	}
	if fs.NArg() > 0 {
		return usageError{"forecast: unexpected argument " + fs.Arg(0) + "\n" + forecastUsage}
	}
	if *unitCode == "" {
		return usageError{"forecast: --unit is required\n" + forecastUsage}
	}
	step, err := api.ParseStep(*stepFlag)
	if err != nil {
		return usageError{"forecast: --" + err.Error()}
	}
	switch {
	case *holdout < 1:
		return usageError{"forecast: --holdout must be at least 1"}
	case *k < 0 || *k > geo.MaxNeighbourK:
		return usageError{fmt.Sprintf("forecast: --k must be 0 to %d", geo.MaxNeighbourK)}
	case *res != 0 && !geo.ValidRes(*res):
		return usageError{fmt.Sprintf("forecast: --res must be %d to %d", geo.MinRes, geo.MaxRes)}
	case *minSeverity < 1 || *minSeverity > 5:
		return usageError{"forecast: --min-severity must be 1 to 5"}
	case *timeLag < 0:
		return usageError{"forecast: --time-lag must not be negative"}
	}
	var cats []string
	for _, c := range strings.Split(*category, ",") {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		if !patrol.ValidCategory(c) {
			return usageError{fmt.Sprintf("forecast: --category %q is not one of %s", c, strings.Join(patrol.Categories, ", "))}
		}
		cats = append(cats, c)
	}
	slices.Sort(cats)
	cats = slices.Compact(cats)

	s, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.UnitByCode(ctx, *unitCode)
	if errors.Is(err, patrol.ErrNotFound) {
		return fmt.Errorf("forecast: no unit with code %q", *unitCode)
	}
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(u.TimeZone)
	if err != nil {
		return fmt.Errorf("forecast: time zone of unit %s: %w", u.Code, err)
	}
	if *res == 0 {
		*res = u.H3Res
	}
	p, bounds, err := api.StepPeriod(*from, *to, step, api.DefaultEmergingSteps+*holdout, time.Now(), loc)
	if err != nil {
		var fe *geo.FieldError
		if errors.As(err, &fe) {
			return usageError{fmt.Sprintf("forecast: --%s: %s", fe.Field, fe.Reason)}
		}
		return err
	}
	steps := len(bounds) - 1
	train := steps - *holdout
	if train < api.MinEmergingSteps {
		return usageError{fmt.Sprintf("forecast: the period has %d %ss, so %d train after holding out %d; the emerging analysis needs at least %d: start from earlier",
			steps, step, max(train, 0), *holdout, api.MinEmergingSteps)}
	}
	if *timeLag >= train {
		return usageError{fmt.Sprintf("forecast: --time-lag must be below the %d training steps", train)}
	}
	cells, counts, err := s.IncidentCube(ctx, u.ID, *res, bounds, cats, *minSeverity)
	if err != nil {
		return fmt.Errorf("forecast: %w", err)
	}
	if len(cells)*steps > api.MaxEmergingBins {
		return fmt.Errorf("forecast: %d cells × %d steps is more than %d bins; use a coarser --res or a longer --step", len(cells), steps, api.MaxEmergingBins)
	}
	report, err := geo.ForecastCheck(ctx, cells, counts, *holdout, *k, *timeLag)
	if err != nil {
		return fmt.Errorf("forecast: %w", err)
	}

	if *asJSON {
		stepBounds := make([]string, len(bounds))
		for i, b := range bounds {
			stepBounds[i] = b.UTC().Format(time.RFC3339Nano)
		}
		if cats == nil {
			cats = []string{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(api.ForecastAnswer{
			Unit: u.Code, From: p.From.UTC().Format(time.RFC3339Nano), To: p.To.UTC().Format(time.RFC3339Nano),
			Step: step, StepBounds: stepBounds, Res: *res, K: *k, TimeLag: *timeLag, Categories: cats, MinSeverity: *minSeverity,
			TrainSteps: report.TrainSteps, HoldoutSteps: report.HoldoutSteps,
			TrainFrom: stepBounds[0], HoldoutFrom: stepBounds[report.TrainSteps],
			Cells: report.Cells, HeldOut: report.HeldOut, Rows: api.ForecastRows(report),
		})
	}

	day := func(t time.Time) string {
		l := t.In(loc)
		if h, m, s := l.Clock(); h == 0 && m == 0 && s == 0 {
			return l.Format(time.DateOnly)
		}
		return l.Format(time.RFC3339)
	}
	filter := "all incidents"
	if len(cats) > 0 {
		filter = strings.Join(cats, ", ")
	}
	if *minSeverity > 1 {
		filter += fmt.Sprintf(", severity ≥ %d", *minSeverity)
	}
	fmt.Fprintf(stdout, "Forecast check of unit %s (%s), %s\n", u.Code, u.TimeZone, filter)
	fmt.Fprintf(stdout, "trained on %d %ss [%s, %s), scored on %d held-out %ss [%s, %s)\n",
		report.TrainSteps, step, day(bounds[0]), day(bounds[report.TrainSteps]),
		report.HoldoutSteps, step, day(bounds[report.TrainSteps]), day(bounds[steps]))
	fmt.Fprintf(stdout, "%d study-area cells at H3 resolution %d, k = %d, time lag %d; %g incidents held out\n\n",
		report.Cells, *res, *k, *timeLag, report.HeldOut)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "method\tarea\tcells\thits\thit rate\tPAI\t")
	for _, r := range report.Rows {
		fmt.Fprintf(tw, "%s\t%.0f %%\t%d\t%g\t%.1f %%\t%.2f\t\n", r.Method, 100*r.Share, r.Cells, r.Hits, 100*r.HitRate, r.PAI)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if report.HeldOut == 0 {
		fmt.Fprintln(stdout, "\nNo incident fell in the held-out steps, so every hit rate and PAI is 0.")
	}
	fmt.Fprintln(stdout, "\nhit rate = held-out incidents in the selected cells / all held-out incidents; PAI = hit rate / area share.")
	return nil
}
