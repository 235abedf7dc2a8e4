package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/patrolmap/patrolmap/basemap"
	"github.com/patrolmap/patrolmap/demo"
)

// cmdDemoBasemap writes the demo ward's own offline basemap (PMTiles) to -o. The ward's map
// does not depend on the seed's day, so the file is the same every day.
func cmdDemoBasemap(_ context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("demo-basemap", flag.ContinueOnError)
	out := fs.String("o", "", "the PMTiles file to write")
	seed := fs.Int64("seed", 1, "seed of the synthetic ward")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *out == "" {
		return usageError{"demo-basemap needs -o FILE.pmtiles"}
	}
	w, err := demo.Generate(*seed, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return fmt.Errorf("generate demo ward: %w", err)
	}
	var buf bytes.Buffer
	if err := basemap.Write(&buf, w.BasemapLayers(), basemap.Options{
		MinZoom: 11, MaxZoom: 17, Name: "patrolmap demo ward (synthetic)", Attribution: "patrolmap demo (synthetic data)",
	}); err != nil {
		return err
	}
	if dir := filepath.Dir(*out); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	// Write beside, then rename: a server reading the old file never sees half a new one.
	tmp := *out + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo basemap: %s (%d bytes)\n", *out, buf.Len())
	return nil
}
