package store_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/patrolmap/patrolmap/demo"
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
	if _, err := s.LoadDemo(ctx, w); err != nil {
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
	os.Remove(dump)
}
