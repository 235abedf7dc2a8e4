package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/patrolmap/patrolmap/app/hotspots"
	"github.com/patrolmap/patrolmap/app/unit"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

const forecastUsage = `patrolmap forecast --unit CODE [--from DATE] [--to DATE] [--holdout 4] [--step week|month]
                   [--res R] [--k 1] [--time-lag 1] [--category a,b] [--min-severity N] [--json]`

// forecastFlags are the flags of `patrolmap forecast`.
type forecastFlags struct {
	unit, from, to, step, category string
	holdout, res, k, timeLag       int
	minSeverity                    int
	asJSON                         bool
}

func parseForecastFlags(args []string) (forecastFlags, error) {
	var f forecastFlags
	fs := flag.NewFlagSet("forecast", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.unit, "unit", "", "unit code (required)")
	fs.StringVar(&f.from, "from", "", "first day, YYYY-MM-DD local, or an RFC 3339 time (default: 12 steps plus the holdout before --to)")
	fs.StringVar(&f.to, "to", "", "day after the last, YYYY-MM-DD local, or an RFC 3339 time (default: tomorrow)")
	fs.IntVar(&f.holdout, "holdout", hotspots.DefaultHoldout, "last steps held out and scored")
	fs.StringVar(&f.step, "step", "week", "step: week or month")
	fs.IntVar(&f.res, "res", 0, "H3 resolution 8–11 (default: the unit's)")
	fs.IntVar(&f.k, "k", 1, "neighbourhood: H3 GridDisk(k), 0–5")
	fs.IntVar(&f.timeLag, "time-lag", 1, "previous steps in each space-time neighbourhood")
	fs.StringVar(&f.category, "category", "", "only these incident categories, comma-separated")
	fs.IntVar(&f.minSeverity, "min-severity", 1, "only incidents of at least this severity, 1–5")
	fs.BoolVar(&f.asJSON, "json", false, "print the report as JSON, as GET /api/v1/forecast answers")
	if err := fs.Parse(args); err != nil {
		return f, usageError{"forecast: " + err.Error() + "\n" + forecastUsage}
	}
	switch {
	case fs.NArg() > 0:
		return f, usageError{"forecast: unexpected argument " + fs.Arg(0) + "\n" + forecastUsage}
	case f.unit == "":
		return f, usageError{"forecast: --unit is required\n" + forecastUsage}
	case f.holdout < 1:
		return f, usageError{"forecast: --holdout must be at least 1"}
	case f.k < 0 || f.k > geo.MaxNeighbourK:
		return f, usageError{fmt.Sprintf("forecast: --k must be 0 to %d", geo.MaxNeighbourK)}
	case f.res != 0 && !geo.ValidRes(f.res):
		return f, usageError{fmt.Sprintf("forecast: --res must be %d to %d", geo.MinRes, geo.MaxRes)}
	case f.minSeverity < 1 || f.minSeverity > 5:
		return f, usageError{"forecast: --min-severity must be 1 to 5"}
	case f.timeLag < 0:
		return f, usageError{"forecast: --time-lag must not be negative"}
	}
	return f, nil
}

// flagError turns a domain error about a field into a usage error naming the flag; an
// unprocessable request is an error with the use case's sentence.
func flagError(cmd string, err error) error {
	var fe *patrol.FieldError
	switch {
	case errors.As(err, &fe) && errors.Is(err, patrol.ErrInvalid):
		return usageError{fmt.Sprintf("%s: --%s: %s", cmd, strings.ReplaceAll(fe.Field, "_", "-"), fe.Reason)}
	case fe != nil:
		return fmt.Errorf("%s: %s", cmd, fe.Error())
	}
	return fmt.Errorf("%s: %w", cmd, err)
}

// cmdForecast runs `patrolmap forecast`: the backtest of the emerging hot spot analysis
// (hotspots.Forecast, as GET /api/v1/forecast runs it). It trains on the steps of [from, to)
// before the last holdout ones, ranks the study-area cells by the emerging result and by two
// naive baselines (the last training step's counts, the training total), and prints the hit
// rate and PAI of the top 5 % and 10 % of the area on the held-out steps.
func cmdForecast(ctx context.Context, args []string, stdout io.Writer) error {
	f, err := parseForecastFlags(args)
	if err != nil {
		return err
	}
	cats, err := hotspots.Categories(strings.Split(f.category, ","))
	if err != nil {
		return flagError("forecast", err)
	}
	step, err := hotspots.ParseStep(f.step)
	if err != nil {
		return flagError("forecast", err)
	}
	s, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.UnitByCode(ctx, f.unit)
	if errors.Is(err, patrol.ErrNotFound) {
		return fmt.Errorf("forecast: no unit with code %q", f.unit)
	}
	if err != nil {
		return err
	}
	st := hotspots.SpaceTime{Query: hotspots.Query{Unit: u, Res: f.res, K: f.k, Categories: cats, MinSeverity: f.minSeverity},
		Step: step, TimeLag: f.timeLag}
	if st.Res == 0 {
		st.Res = hotspots.DefaultRes(u)
	}
	loc := unit.Location(u)
	if st.Period, st.Bounds, err = hotspots.StepPeriod(f.from, f.to, step, hotspots.DefaultEmergingSteps+f.holdout, time.Now(), loc); err != nil {
		return flagError("forecast", err)
	}
	answer, err := hotspots.Forecast(ctx, s, st, f.holdout)
	if err != nil {
		return flagError("forecast", err)
	}
	if f.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(answer)
	}
	return printForecast(stdout, u, st, answer, loc)
}

// printForecast writes the forecast check as a table.
func printForecast(w io.Writer, u patrol.Unit, st hotspots.SpaceTime, a hotspots.ForecastAnswer, loc *time.Location) error {
	day := func(t time.Time) string {
		l := t.In(loc)
		if h, m, s := l.Clock(); h == 0 && m == 0 && s == 0 {
			return l.Format(time.DateOnly)
		}
		return l.Format(time.RFC3339)
	}
	filter := "all incidents"
	if len(st.Categories) > 0 {
		filter = strings.Join(st.Categories, ", ")
	}
	if st.MinSeverity > 1 {
		filter += fmt.Sprintf(", severity ≥ %d", st.MinSeverity)
	}
	b := st.Bounds
	fmt.Fprintf(w, "Forecast check of unit %s (%s), %s\n", u.Code, u.TimeZone, filter)
	fmt.Fprintf(w, "trained on %d %ss [%s, %s), scored on %d held-out %ss [%s, %s)\n",
		a.TrainSteps, st.Step, day(b[0]), day(b[a.TrainSteps]), a.HoldoutSteps, st.Step, day(b[a.TrainSteps]), day(b[len(b)-1]))
	fmt.Fprintf(w, "%d study-area cells at H3 resolution %d, k = %d, time lag %d; %g incidents held out\n\n",
		a.Cells, a.Res, a.K, a.TimeLag, a.HeldOut)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "method\tarea\tcells\thits\thit rate\tPAI\t")
	for _, r := range a.Rows {
		fmt.Fprintf(tw, "%s\t%.0f %%\t%d\t%g\t%.1f %%\t%.2f\t\n", r.Method, 100*r.Share, r.Cells, r.Hits, 100*r.HitRate, r.PAI)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if a.HeldOut == 0 {
		fmt.Fprintln(w, "\nNo incident fell in the held-out steps, so every hit rate and PAI is 0.")
	}
	fmt.Fprintln(w, "\nhit rate = held-out incidents in the selected cells / all held-out incidents; PAI = hit rate / area share.")
	return nil
}
