package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/patrolmap/patrolmap/app/ingest/decode"
	"github.com/patrolmap/patrolmap/patrol"
)

const importUsage = "import gpx FILE --unit CODE --device ID | import incidents FILE --unit CODE | import areas|roads FILE --unit CODE [--srs PROJ_OR_EPSG] [--dry-run] [--set-boundary]"

// cmdImport runs `patrolmap import gpx|incidents FILE --unit CODE [--device ID]`: the files the
// HTTP API takes (GPX 1.0/1.1; incident CSV, JSON or GeoJSON), decoded and validated the same
// way, written straight to the database. Importing a file twice changes nothing.
func cmdImport(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{"import needs a kind: " + importUsage}
	}
	kind := args[0]
	if kind == "areas" || kind == "roads" {
		return cmdImportGeography(ctx, kind, args[1:], stdout)
	}
	fs := flag.NewFlagSet("import "+kind, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	unitCode := fs.String("unit", "", "code of the unit")
	deviceID := fs.String("device", "", "id of the device that recorded the track (gpx)")
	// The file may come before or after the flags.
	var files []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			return usageError{fmt.Sprintf("import %s: %v", kind, err)}
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	switch kind {
	case "gpx", "incidents":
	default:
		return usageError{fmt.Sprintf("unknown import kind %q: %s", kind, importUsage)}
	}
	if len(files) != 1 {
		return usageError{fmt.Sprintf("import %s needs exactly one FILE", kind)}
	}
	if *unitCode == "" {
		return usageError{fmt.Sprintf("import %s needs --unit CODE", kind)}
	}
	if kind == "gpx" && *deviceID == "" {
		return usageError{"import gpx needs --device ID"}
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		return fmt.Errorf("read %s: %w", files[0], err)
	}
	s, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	unit, err := s.UnitByCode(ctx, *unitCode)
	if errors.Is(err, patrol.ErrNotFound) {
		return fmt.Errorf("no unit with code %q", *unitCode)
	}
	if err != nil {
		return err
	}
	if kind == "gpx" {
		return importGPX(ctx, s, unit, *deviceID, files[0], data, stdout)
	}
	return importIncidents(ctx, s, unit, files[0], data, stdout)
}

type importStore interface {
	DeviceByIdent(ctx context.Context, ident string) (patrol.Device, error)
	StoreFixes(ctx context.Context, fixes []patrol.Fix) ([]patrol.StoreOutcome, error)
	InsertIncidents(ctx context.Context, unitID int, userID int64, list []patrol.Incident) (patrol.IngestResult, []int64, error)
}

func importGPX(ctx context.Context, s importStore, unit patrol.Unit, ident, name string, data []byte, stdout io.Writer) error {
	d, err := s.DeviceByIdent(ctx, ident)
	if errors.Is(err, patrol.ErrNotFound) {
		return fmt.Errorf("no device %q; register it with `patrolmap device create --unit %s --id %s`", ident, unit.Code, ident)
	}
	if err != nil {
		return err
	}
	if d.UnitID != unit.ID {
		return fmt.Errorf("device %q belongs to unit %s, not %s", ident, d.UnitCode, unit.Code)
	}
	fixes, rejected, err := decode.GPXFixes(data, time.Now())
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for i := range fixes {
		fixes[i].UnitID, fixes[i].DeviceID, fixes[i].Source = unit.ID, d.ID, "import"
	}
	stored, err := s.StoreFixes(ctx, fixes)
	if err != nil {
		return fmt.Errorf("store fixes: %w", err)
	}
	accepted, offDuty := 0, 0
	for _, o := range stored {
		switch o {
		case patrol.FixStored:
			accepted++
		case patrol.FixOffDuty:
			offDuty++
		}
	}
	fmt.Fprintf(stdout, "%s: %d track points, %d fixes stored, %d duplicates, %d off duty not kept, %d rejected\n",
		name, len(fixes)+len(rejected), accepted, len(stored)-accepted-offDuty, offDuty, len(rejected))
	printRejected(stdout, "point", rejected)
	return nil
}

func importIncidents(ctx context.Context, s importStore, unit patrol.Unit, name string, data []byte, stdout io.Writer) error {
	loc, err := time.LoadLocation(unit.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	list, rejected, err := decode.ImportIncidents(name, data, loc, time.Now())
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for i := range list {
		list[i].UnitID = unit.ID
	}
	res, _, err := s.InsertIncidents(ctx, unit.ID, 0, list)
	if err != nil {
		return fmt.Errorf("store incidents: %w", err)
	}
	fmt.Fprintf(stdout, "%s: %d incidents, %d stored, %d duplicates, %d rejected\n",
		name, len(list)+len(rejected), res.Accepted, res.Duplicates, len(rejected))
	printRejected(stdout, "row", rejected)
	return nil
}

// printRejected lists the first refused items.
func printRejected(w io.Writer, what string, rejected []decode.RejectedItem) {
	const show = 20
	for i, r := range rejected {
		if i == show {
			fmt.Fprintf(w, "  … and %d more\n", len(rejected)-show)
			break
		}
		fmt.Fprintf(w, "  %s %d: %s\n", what, r.Index, strings.TrimSpace(r.Error))
	}
}
