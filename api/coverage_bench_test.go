package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/demo"
	"github.com/patrolmap/patrolmap/demo/load"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// rawBackend answers CoverageVisits from the raw fixes instead of the rollups: the baseline.
type rawBackend struct{ *store.Store }

func (r rawBackend) CoverageVisits(ctx context.Context, unitID, deviceID, res int, window geo.Window, p geo.Period, cells []h3.Cell) ([]geo.CellVisit, error) {
	return r.CoverageVisitsFromFixes(ctx, unitID, deviceID, res, window, p, cells)
}

// BenchmarkCoverageEndpoints times GET /api/v1/coverage, /gaps and /compliance for the demo ward
// over 30 nights, served from the rollups and, as the baseline, from raw fixes by the same
// handlers. With PATROLMAP_BENCH_SCALE=N it first generates the N-ward synthetic sample
// (store.SeedScale, 5 officers × 30 nights each, about half a million fixes a ward) in the same
// database and catches its rollups up, printing BENCH-INFO lines with the times, the rates and
// the table sizes.
func BenchmarkCoverageEndpoints(b *testing.B) {
	ctx := context.Background()
	s := storetest.New(b)
	day := time.Date(2024, 6, 1, 0, 0, 0, 0, ictZone)
	w, err := demo.Generate(1, day)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	res, err := load.Demo(ctx, s, w)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Printf("BENCH-INFO demo_load fixes=%d seconds=%.2f\n", res.Fixes, time.Since(start).Seconds())
	var version string
	if err := s.Pool().QueryRow(ctx, `SELECT 'PostgreSQL ' || current_setting('server_version') || ', PostGIS ' || postgis_lib_version()`).Scan(&version); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("BENCH-INFO server version=%q\n", version)
	if v := os.Getenv("PATROLMAP_BENCH_SCALE"); v != "" {
		units, err := strconv.Atoi(v)
		if err != nil || units < 1 {
			b.Fatalf("PATROLMAP_BENCH_SCALE=%q: want a number of wards", v)
		}
		loadScale(b, s, units, day)
	}
	u, err := s.CreateUser(ctx, store.NewUser{Username: "bench", Role: patrol.RoleAnalyst, Password: "bench-password"})
	if err != nil {
		b.Fatal(err)
	}
	token, err := s.CreateToken(ctx, u.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	servers := map[string]*httptest.Server{
		"rollups": httptest.NewServer(api.New(api.Config{}, s, nil, quiet).Handler()),
		"raw":     httptest.NewServer(api.New(api.Config{}, rawBackend{s}, nil, quiet).Handler()),
	}
	for _, srv := range servers {
		defer srv.Close()
	}
	get := func(b *testing.B, srv *httptest.Server, path string) int {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, r.Body)
		r.Body.Close()
		if r.StatusCode != 200 {
			b.Fatalf("GET %s: %d", path, r.StatusCode)
		}
		return int(n)
	}
	query := "?unit=demo&from=2024-05-02&to=2024-06-01"
	for _, endpoint := range []string{"coverage", "gaps", "compliance"} {
		for _, source := range []string{"rollups", "raw"} {
			b.Run(endpoint+"/"+source, func(b *testing.B) {
				srv := servers[source]
				size := get(b, srv, "/api/v1/"+endpoint+query) // warm
				b.ResetTimer()
				for range b.N {
					get(b, srv, "/api/v1/"+endpoint+query)
				}
				b.ReportMetric(float64(size), "bytes")
			})
		}
	}
}

// loadScale generates the synthetic sample next to the demo ward and catches up its rollups.
func loadScale(b *testing.B, s *store.Store, units int, day time.Time) {
	b.Helper()
	ctx := context.Background()
	res, err := s.SeedScale(ctx, store.ScaleOptions{Units: units, Day: day, Seed: 1}, func(msg string) { fmt.Println("BENCH-PROGRESS", msg) })
	if err != nil {
		b.Fatal(err)
	}
	fmt.Printf("BENCH-INFO scale_seed units=%d fixes=%d seconds=%.1f rate=%.0f\n", res.Units, res.Fixes, res.Elapsed.Seconds(), float64(res.Fixes)/res.Elapsed.Seconds())
	start := time.Now()
	st, err := s.CatchUp(ctx, store.CatchUpOptions{})
	if err != nil {
		b.Fatal(err)
	}
	el := time.Since(start)
	fmt.Printf("BENCH-INFO scale_catchup keys=%d fixes=%d passes=%d seconds=%.1f rate=%.0f\n", st.Keys, st.Fixes, st.Passes, el.Seconds(), float64(st.Fixes)/el.Seconds())
	if _, err := s.Pool().Exec(ctx, `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
	rows, err := s.Pool().Query(ctx, `SELECT t, n, pg_total_relation_size(t::regclass), pg_relation_size(t::regclass)
		FROM (VALUES ('fix', (SELECT count(*) FROM fix)), ('cell_pass', (SELECT count(*) FROM cell_pass)),
		             ('incident', (SELECT count(*) FROM incident))) v(t, n)`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var name string
		var n, total, heap int64
		if err := rows.Scan(&name, &n, &total, &heap); err != nil {
			b.Fatal(err)
		}
		fmt.Printf("BENCH-INFO table name=%s rows=%d total_bytes=%d heap_bytes=%d\n", name, n, total, heap)
	}
	rows.Close()
	// fix is partitioned: its size is the sum of its partitions.
	var fixTotal, fixHeap int64
	err = s.Pool().QueryRow(ctx, `SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0), coalesce(sum(pg_relation_size(inhrelid)), 0)
		FROM pg_inherits WHERE inhparent = 'fix'::regclass`).Scan(&fixTotal, &fixHeap)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Printf("BENCH-INFO table name=fix_partitions total_bytes=%d heap_bytes=%d\n", fixTotal, fixHeap)
	var dbSize int64
	if err := s.Pool().QueryRow(ctx, `SELECT pg_database_size(current_database())`).Scan(&dbSize); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("BENCH-INFO database bytes=%d\n", dbSize)
}
