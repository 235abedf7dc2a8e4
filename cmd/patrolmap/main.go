// Command patrolmap is the one binary of the service: serve, migrate, seed-demo, and the admin
// commands for users, tokens and devices. Every command reads DATABASE_URL.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // unit time zones work on machines without a zone database
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `patrolmap — night patrol coverage and hot spot analysis for ward police

Usage:
  patrolmap serve [--addr HOST:PORT] [--osmand-addr HOST:PORT] [--basemap FILE.pmtiles] [--demo-live]
  patrolmap migrate
  patrolmap seed-demo [--seed N] [--day YYYY-MM-DD]
  patrolmap demo-basemap -o FILE.pmtiles
  patrolmap seed-scale [--units 30] [--officers 5] [--nights 30] [--seed N] [--day YYYY-MM-DD] [--prefix scale] [--no-rollups]
  patrolmap user create --username U --role admin|analyst|officer [--unit CODE] [--full-name NAME] --password-stdin
  patrolmap token create --username U
  patrolmap device create --unit CODE --id ID [--name NAME] [--officer USERNAME]
  patrolmap import gpx FILE --unit CODE --device ID
  patrolmap import incidents FILE --unit CODE
  patrolmap import areas|roads FILE --unit CODE [--srs PROJ_OR_EPSG] [--dry-run] [--set-boundary]
  patrolmap report --unit CODE --from DATE --to DATE -o FILE.html [--lang en] [--pdf FILE.pdf]
  patrolmap forecast --unit CODE [--from DATE] [--to DATE] [--holdout 4] [--step week|month] [--json]
  patrolmap version

Environment: DATABASE_URL (required), PATROLMAP_ADDR, PATROLMAP_BASEMAP, PATROLMAP_TILE_URL, PATROLMAP_LOG_FORMAT,
PATROLMAP_LOG_LEVEL, PATROLMAP_SECURE_COOKIES, PATROLMAP_DEMO_LIVE. See README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(os.Stderr, "patrolmap: %v\n\n%s", err, usage)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "patrolmap: %v\n", err)
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"a command is required"}
	}
	log := newLogger(stderr)
	slog.SetDefault(log)
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, log)
	case "migrate":
		return cmdMigrate(ctx, rest, stdout, log)
	case "seed-demo":
		return cmdSeedDemo(ctx, rest, stdout)
	case "user":
		return cmdUser(ctx, rest, stdin, stdout)
	case "token":
		return cmdToken(ctx, rest, stdout)
	case "device":
		return cmdDevice(ctx, rest, stdout)
	case "import":
		return cmdImport(ctx, rest, stdout)
	case "demo-basemap":
		return cmdDemoBasemap(ctx, rest, stdout)
	case "seed-scale":
		return cmdSeedScale(ctx, rest, stdout)
	case "report":
		return cmdReport(ctx, rest, stdout)
	case "forecast":
		return cmdForecast(ctx, rest, stdout)
	case "version", "--version":
		fmt.Fprintln(stdout, "patrolmap", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}

func newLogger(w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	switch os.Getenv("PATROLMAP_LOG_LEVEL") {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: level}
	if os.Getenv("PATROLMAP_LOG_FORMAT") == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func databaseURL() (string, error) {
	u := os.Getenv("DATABASE_URL")
	if u == "" {
		return "", errors.New("DATABASE_URL is not set (for example postgres://user:pass@127.0.0.1:5432/patrolmap)")
	}
	return u, nil
}
