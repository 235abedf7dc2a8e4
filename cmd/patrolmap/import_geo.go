package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/patrolmap/patrolmap/geofile"
	"github.com/patrolmap/patrolmap/patrol"
)

const importGeoUsage = `usage: patrolmap import areas|roads FILE --unit CODE [--srs PROJ_OR_EPSG] [--dry-run] [--set-boundary]
       [--replace] [--name-field F] [--kind-field F] [--kind K] [--json]

FILE is GeoJSON, KML, KMZ or a zipped ESRI Shapefile (.shp, .shx, .dbf, .prj, .cpg).
  --srs           the coordinate system of FILE, overriding its own: EPSG:9209, a proj string or WKT
  --dry-run       show what would be created, per feature, and write nothing
  --set-boundary  make the unit's boundary from the feature whose kind is "ranh giới"
                  (or the union of all polygons), and check the residential groups tile it
  --replace       the file is the whole set: remove the unit's roads, or its areas of the
                  kinds the file holds, that the file does not have
  --name-field, --kind-field  the columns of names and kinds (default: ten/name, loai/kind)
  --kind          the kind of features that give none (tổ dân phố, trọng điểm, key_road, …)
  --json          print the import report as JSON`

// cmdImportGeography runs `patrolmap import areas|roads FILE --unit CODE …`: it reads the
// file, reprojects it with PostGIS and creates the unit's areas or roads, or with --dry-run
// shows what it would do. It fails when no feature could be imported.
func cmdImportGeography(ctx context.Context, kind string, args []string, stdout io.Writer) error {
	target := geofile.Target(kind)
	if target != geofile.TargetAreas && target != geofile.TargetRoads {
		return usageError{"import areas|roads FILE --unit CODE"}
	}
	fs := flag.NewFlagSet("import "+kind, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	unit := fs.String("unit", "", "unit code")
	srs := fs.String("srs", "", "coordinate system of the file")
	dry := fs.Bool("dry-run", false, "preview only")
	setBoundary := fs.Bool("set-boundary", false, "set the unit's boundary")
	replace := fs.Bool("replace", false, "the file is the whole set")
	nameField := fs.String("name-field", "", "column of names")
	kindField := fs.String("kind-field", "", "column of kinds")
	defaultKind := fs.String("kind", "", "kind of features that give none")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	// Flags may come before or after FILE.
	var files []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(stdout, importGeoUsage)
				return nil
			}
			return usageError{fmt.Sprintf("import %s: %v (see patrolmap import %s --help)", kind, err, kind)}
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(files) != 1 || *unit == "" {
		return usageError{fmt.Sprintf("import %s needs one FILE and --unit CODE (see patrolmap import %s --help)", kind, kind)}
	}
	if *setBoundary && target != geofile.TargetAreas {
		return usageError{"--set-boundary goes with import areas"}
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		return err
	}
	req, err := geofile.Prepare(filepath.Base(files[0]), data, *srs, geofile.Options{
		Target: target, NameField: *nameField, KindField: *kindField, DefaultKind: *defaultKind, SetBoundary: *setBoundary})
	if err != nil {
		return fmt.Errorf("%s: %w", files[0], err)
	}
	s, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.UnitByCode(ctx, *unit)
	if err != nil {
		return fmt.Errorf("unit %s: %w", *unit, err)
	}
	req.UnitID, req.UnitCode, req.DryRun, req.Replace = u.ID, u.Code, *dry, *replace
	rep, err := s.ImportGeography(ctx, req)
	if err != nil {
		return err
	}
	if !*dry {
		detail, _ := json.Marshal(map[string]any{"kind": target, "file": filepath.Base(files[0]), "format": rep.Format, "srs": rep.SRS.Text,
			"created": rep.Created, "updated": rep.Updated, "deleted": rep.Deleted, "rejected": rep.Rejected, "boundary": rep.Boundary != nil})
		if err := s.Audit(ctx, patrol.AuditEntry{Username: "cli", UnitID: u.ID, Action: "geo.import", Target: u.Code, Detail: detail}); err != nil {
			fmt.Fprintf(stdout, "warning: the audit log could not be written: %v\n", err)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printImportReport(stdout, filepath.Base(files[0]), rep)
	}
	if rep.Features > 0 && rep.Created+rep.Updated == 0 && rep.Boundary == nil {
		return errors.New("no feature could be imported")
	}
	return nil
}

func printImportReport(w io.Writer, file string, rep geofile.Report) {
	enc := ""
	if rep.Encoding != "" {
		enc = ", " + rep.Encoding
	}
	fmt.Fprintf(w, "%s (%s%s): %d features for unit %s\n", file, rep.Format, enc, rep.Features, rep.Unit)
	source := map[string]string{"file": "from the file", "override": "from --srs", "default": "WGS 84 by default"}[rep.SRS.Source]
	fmt.Fprintf(w, "coordinate system (%s): %s\n", source, rep.SRS.Description)
	if rep.SRS.DatumShiftM != nil {
		fmt.Fprintf(w, "  VN-2000 check: its reading and VN-2000's differ by %.2f m at the data\n", *rep.SRS.DatumShiftM)
	}
	if rep.Kind == geofile.TargetAreas {
		fmt.Fprintf(w, "fields: name ← %s, kind ← %s (the file has: %s)\n", orDash(rep.Fields.Name), orDash(rep.Fields.Kind), strings.Join(rep.Fields.Available, ", "))
	} else {
		fmt.Fprintf(w, "fields: name ← %s (the file has: %s)\n", orDash(rep.Fields.Name), strings.Join(rep.Fields.Available, ", "))
	}
	for _, n := range rep.Warnings {
		fmt.Fprintf(w, "WARNING: %s\n", n.Message)
	}
	for _, it := range rep.Items {
		size := ""
		switch {
		case it.AreaM2 > 0:
			size = fmt.Sprintf(" %.0f m²", it.AreaM2)
		case it.LengthM > 0:
			size = fmt.Sprintf(" %.0f m", it.LengthM)
		}
		kind := it.Kind
		if kind == "" {
			kind = "road"
		}
		fmt.Fprintf(w, "  #%-4d %-8s %-17s %q %s%s\n", it.Feature+1, it.Action, kind, it.Name, it.GeometryType, size)
		if it.Error != nil {
			fmt.Fprintf(w, "         error: %s\n", it.Error.Message)
		}
		if it.Repaired != nil {
			fmt.Fprintf(w, "         %s\n", it.Repaired.Message)
		}
		for _, n := range it.Notes {
			fmt.Fprintf(w, "         note: %s\n", n.Message)
		}
	}
	for _, r := range rep.Removed {
		fmt.Fprintf(w, "  remove %s %q (id %d)\n", orDash(r.Kind), r.Name, r.ID)
	}
	if b := rep.Boundary; b != nil {
		if b.AreaM2 > 0 {
			fmt.Fprintf(w, "boundary: set from %d feature(s), %.0f m²", len(b.Features), b.AreaM2)
			if b.PreviousAreaM2 != nil {
				fmt.Fprintf(w, " (was %.0f m²)", *b.PreviousAreaM2)
			}
			fmt.Fprintln(w)
		}
		for _, n := range b.Notes {
			fmt.Fprintf(w, "  %s\n", n.Message)
		}
	}
	if t := rep.Tiling; t != nil {
		switch {
		case !t.Checked && t.Note != nil:
			fmt.Fprintf(w, "tiling: %s\n", t.Note.Message)
		case t.Tiles:
			fmt.Fprintf(w, "tiling: the %d residential groups tile the boundary (%.0f m²)\n", t.Groups, t.BoundaryAreaM2)
		default:
			fmt.Fprintf(w, "tiling: the %d residential groups do NOT tile the boundary (%.0f m²): gaps %.0f m², overlaps %.0f m², outside %.0f m²\n",
				t.Groups, t.BoundaryAreaM2, t.GapAreaM2, t.OverlapAreaM2, t.OutsideAreaM2)
			for _, g := range t.Gaps {
				fmt.Fprintf(w, "  gap of %.0f m² at %.6f, %.6f\n", g.AreaM2, g.Lat, g.Lon)
			}
			for _, o := range t.Overlaps {
				fmt.Fprintf(w, "  %q and %q overlap by %.0f m² at %.6f, %.6f\n", o.A, o.B, o.AreaM2, o.Lat, o.Lon)
			}
			for _, p := range t.Outside {
				fmt.Fprintf(w, "  %q reaches %.0f m² outside the boundary at %.6f, %.6f\n", p.Group, p.AreaM2, p.Lat, p.Lon)
			}
		}
	}
	verb := "created"
	if rep.DryRun {
		verb = "would be created"
	}
	fmt.Fprintf(w, "%d %s, %d updated, %d removed, %d rejected, %d skipped", rep.Created, verb, rep.Updated, rep.Deleted, rep.Rejected, rep.Skipped)
	if rep.DryRun {
		fmt.Fprint(w, " — dry run: nothing was written")
	}
	fmt.Fprintln(w)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
