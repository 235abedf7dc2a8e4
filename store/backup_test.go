package store_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/patrolmap/patrolmap/demo"
	"github.com/patrolmap/patrolmap/demo/load"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// TestBackupAndRestore dumps a database with the demo ward with pg_dump, restores it with
// pg_restore into a new database, and finds the same counts and the same query results.
func TestBackupAndRestore(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			storetest.Unavailable(t, tool+" is not installed")
		}
	}
	ctx := context.Background()
	url := storetest.NewURL(t)
	s, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	w, err := demo.Generate(7, time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := load.Demo(ctx, s, w); err != nil {
		t.Fatal(err)
	}
	dump := filepath.Join(t.TempDir(), "patrolmap.dump")
	if out, err := exec.Command("pg_dump", "-Fc", "-f", dump, "--dbname", url).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	restored := storetest.NewEmptyURL(t)
	if out, err := exec.Command("pg_restore", "--no-owner", "--exit-on-error", "--dbname", restored, dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	summary := func(u string) string {
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var out string
		err = conn.QueryRow(ctx, `SELECT concat_ws('|',
			(SELECT count(*) FROM fix), (SELECT count(*) FROM incident), (SELECT count(*) FROM area),
			(SELECT count(*) FROM road), (SELECT count(*) FROM app_user), (SELECT count(*) FROM device),
			(SELECT md5(string_agg(device_id || ':' || ts::text || ':' || ST_AsText(geom) || ':' || flags, ',' ORDER BY device_id, ts)) FROM fix),
			(SELECT md5(string_agg(external_id || category || ST_AsText(geom), ',' ORDER BY external_id)) FROM incident),
			(SELECT count(*) FROM pg_inherits WHERE inhparent = 'fix'::regclass),
			(SELECT max(version_id) FROM schema_version))`).Scan(&out)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	before, after := summary(url), summary(restored)
	if before != after {
		t.Fatalf("restored database differs:\n before %s\n after  %s", before, after)
	}
	// The restored database is usable by the service: migrate is a no-op and it answers.
	if applied, err := store.Migrate(ctx, restored, nil); err != nil || len(applied) != 0 {
		t.Fatalf("migrate on the restored database: %v %v", applied, err)
	}
	// And it gives the same analysis results: hot spots of the last 6 weeks and night coverage.
	r, err := store.Open(ctx, restored, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if a, b := analysisSummary(t, s, w), analysisSummary(t, r, w); a != b {
		t.Fatalf("analysis differs after restore:\n before %s\n after  %s", a, b)
	}
	os.Remove(dump)
}

// analysisSummary computes the demo unit's Gi* hot spots over the last 6 weeks and its night
// coverage over the last 30 nights, and returns them as text to compare.
func analysisSummary(t *testing.T, s *store.Store, w *demo.Ward) string {
	t.Helper()
	ctx := context.Background()
	u, err := s.UnitByCode(ctx, w.Code)
	if err != nil {
		t.Fatal(err)
	}
	loc := time.FixedZone("ICT", 7*3600)
	end := time.Date(w.Day.Year(), w.Day.Month(), w.Day.Day(), 0, 0, 0, 0, loc)
	cells, counts, err := s.IncidentCube(ctx, u.ID, u.H3Res, []time.Time{end.AddDate(0, 0, -42), end}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	hot, err := geo.Hotspots(cells, counts[0], 1, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, h := range hot {
		fmt.Fprintf(&b, "%s:%g:%.9f:%d;", h.Cell, h.Count, h.Z, h.Confidence)
	}
	if _, err := s.CatchUpUnitRollups(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	visits, err := s.CoverageVisits(ctx, u.ID, 0, u.H3Res, geo.WindowNight, geo.Period{From: end.AddDate(0, 0, -30), To: end}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range geo.MergeCoverage(visits) {
		fmt.Fprintf(&b, "%s:%d:%.3f:%d;", c.Cell, c.Passes, c.DwellS, c.Nights)
	}
	if len(hot) == 0 || len(visits) == 0 {
		t.Fatalf("nothing to compare: %d cells, %d visits", len(hot), len(visits))
	}
	return b.String()
}
