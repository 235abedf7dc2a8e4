package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/patrolmap/patrolmap/store"
)

// cmdSeedScale generates the synthetic large sample inside the database (store.SeedScale) and
// then catches the coverage rollups up, printing how long each took:
//
//	patrolmap seed-scale [--units 30] [--officers 5] [--nights 30] [--shift-hours 4.6]
//	                     [--seed N] [--day YYYY-MM-DD] [--prefix scale] [--no-rollups]
func cmdSeedScale(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed-scale", flag.ContinueOnError)
	units := fs.Int("units", 30, "synthetic wards")
	officers := fs.Int("officers", 5, "devices per ward")
	nights := fs.Int("nights", 30, "nights of patrol, ending the night before --day")
	shift := fs.Float64("shift-hours", 4.6, "hours each officer patrols a night (a fix every 5 s)")
	seed := fs.Int64("seed", 1, "seed of the synthetic data")
	dayFlag := fs.String("day", "", "the local day after the last night (YYYY-MM-DD, default today in Asia/Ho_Chi_Minh)")
	prefix := fs.String("prefix", "scale", "unit codes are PREFIX-01, PREFIX-02, …")
	noRollups := fs.Bool("no-rollups", false, "leave the rollup keys dirty for the server's background catch-up")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *units < 1 || *units > 999 || *officers < 1 || *officers > 100 || *nights < 1 || *nights > 400 || *shift <= 0 || *shift > 24 {
		return usageError{"--units 1–999, --officers 1–100, --nights 1–400 and --shift-hours up to 24"}
	}
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		return fmt.Errorf("load time zone: %w", err)
	}
	day := time.Now().In(loc)
	if *dayFlag != "" {
		if day, err = time.ParseInLocation(time.DateOnly, *dayFlag, loc); err != nil {
			return usageError{"--day must be YYYY-MM-DD"}
		}
	}
	s, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	opt := store.ScaleOptions{Units: *units, Officers: *officers, Nights: *nights, ShiftHours: *shift, Seed: *seed, Day: day, Prefix: *prefix}
	res, err := s.SeedScale(ctx, opt, func(msg string) { fmt.Fprintln(stdout, msg) })
	if err != nil {
		return fmt.Errorf("seed scale sample: %w", err)
	}
	fmt.Fprintf(stdout, "generated %d fixes of %d devices in %d units (%d incidents, %d areas) in %s: %.0f fixes/s\n",
		res.Fixes, res.Devices, res.Units, res.Incidents, res.Areas, res.Elapsed.Round(time.Millisecond), float64(res.Fixes)/res.Elapsed.Seconds())
	if *noRollups {
		return nil
	}
	start := time.Now()
	st, err := s.CatchUp(ctx, store.CatchUpOptions{})
	if err != nil {
		return fmt.Errorf("catch up rollups: %w", err)
	}
	el := time.Since(start)
	fmt.Fprintf(stdout, "rollups: %d keys, %d fixes read, %d passes in %s: %.0f fixes/s\n",
		st.Keys, st.Fixes, st.Passes, el.Round(time.Millisecond), float64(st.Fixes)/el.Seconds())
	return nil
}
