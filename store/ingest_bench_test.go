package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"

	"github.com/patrolmap/patrolmap/patrol"
)

// benchIngestStore opens a fresh migrated database on TEST_DATABASE_URL's server. It cannot use
// storetest (which imports this package), so it migrates an empty database itself.
func benchIngestStore(b *testing.B) *Store {
	b.Helper()
	server := os.Getenv("TEST_DATABASE_URL")
	if server == "" {
		b.Skip("TEST_DATABASE_URL is not set")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var r [4]byte
	rand.Read(r[:])
	name := "bench_ingest_" + hex.EncodeToString(r[:])
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), server)
		if err == nil {
			c.Exec(context.Background(), `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`)
			c.Close(context.Background())
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		b.Fatal(err)
	}
	u.Path = "/" + name
	if _, err := Migrate(ctx, u.String(), nil); err != nil {
		b.Fatal(err)
	}
	s, err := Open(ctx, u.String(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	return s
}

// benchDevices creates a unit with n devices and returns their ids.
func benchDevices(b *testing.B, s *Store, n int) (int, []int) {
	b.Helper()
	ctx := context.Background()
	u, err := s.CreateUnit(ctx, patrol.Unit{Code: "bench", Name: "Bench", TimeZone: "Asia/Ho_Chi_Minh", NightStart: "22:00", NightEnd: "05:00", H3Res: 10})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]int, n)
	for i := range ids {
		d, _, err := s.CreateDevice(ctx, u.ID, fmt.Sprintf("bench-%d", i), "")
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = d.ID
	}
	return u.ID, ids
}

// benchBatch is batch k of size n: fixes of the devices round robin, 5 s apart per device.
func benchBatch(unit int, devices []int, k, n int) []patrol.Fix {
	base := time.Date(2024, 3, 1, 15, 0, 0, 0, time.UTC)
	out := make([]patrol.Fix, n)
	for i := range out {
		seq := k*n + i
		d := seq % len(devices)
		step := seq / len(devices)
		out[i] = patrol.Fix{UnitID: unit, DeviceID: devices[d], Time: base.Add(time.Duration(step) * 5 * time.Second),
			Lat: 21.465 + float64(step%2000)*4e-6, Lon: 105.845 + float64(d)*1e-4, Accuracy: 8, Speed: 1.2,
			Heading: 90, Altitude: 30, Battery: 80, Source: "bench"}
	}
	return out
}

// stagingFixes is the staging-table path kept for comparison: COPY into a temporary table, then
// INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING.
func stagingFixes(ctx context.Context, tx pgx.Tx, rows []patrol.Fix) ([]bool, error) {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS fix_stage (LIKE fix INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`); err != nil {
		return nil, err
	}
	src := make([][]any, len(rows))
	for i, f := range rows {
		g, err := ewkb.Marshal(orb.Point{f.Lon, f.Lat}, 4326)
		if err != nil {
			return nil, err
		}
		src[i] = []any{int32(f.UnitID), int32(f.DeviceID), f.Time, g, nullable(f.Accuracy), nullable(f.Speed),
			nullable(f.Heading), nullable(f.Altitude), nullable(f.Battery), f.Source, int16(f.Flags)}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"fix_stage"}, fixColumns, pgx.CopyFromRows(src)); err != nil {
		return nil, err
	}
	q, err := tx.Query(ctx, `INSERT INTO fix (unit_id, device_id, ts, geom, accuracy, speed, heading, altitude, battery, source, flags)
		SELECT unit_id, device_id, ts, geom, accuracy, speed, heading, altitude, battery, source, flags FROM fix_stage
		ON CONFLICT (device_id, ts) DO NOTHING RETURNING device_id, ts`)
	if err != nil {
		return nil, err
	}
	inserted := map[fixKey]bool{}
	for q.Next() {
		var d int32
		var t time.Time
		if err := q.Scan(&d, &t); err != nil {
			q.Close()
			return nil, err
		}
		inserted[fixKey{int(d), t.UnixMicro()}] = true
	}
	if err := q.Err(); err != nil {
		return nil, err
	}
	isNew := make([]bool, len(rows))
	for i, f := range rows {
		isNew[i] = inserted[keyOf(f)]
	}
	return isNew, nil
}

// unnestInsert is the INSERT … SELECT FROM unnest path.
func unnestInsert(ctx context.Context, tx pgx.Tx, rows []patrol.Fix) ([]bool, error) {
	return insertFixes(ctx, tx, rows)
}

// checkedCopy is the COPY path with its check for stored keys.
func checkedCopy(ctx context.Context, tx pgx.Tx, rows []patrol.Fix) ([]bool, error) {
	spans := deviceSpans(rows)
	h, err := readHistory(ctx, tx, spans, nil, slices.Collect(maps.Keys(spans)), true)
	if err != nil {
		return nil, err
	}
	return copyFixes(ctx, tx, rows, h.existing)
}

// hintedCopy is the COPY path when the tail hint knows every device of the batch (the batch
// starts after everything stored of them): no check for stored keys.
func hintedCopy(ctx context.Context, tx pgx.Tx, rows []patrol.Fix) ([]bool, error) {
	return copyFixes(ctx, tx, rows, nil)
}

// BenchmarkStoreFixesIngest compares the ways of writing a batch of new fixes, and of a batch
// that is all duplicates (a phone resending), each path on its own fresh database:
//
//	go test ./store/ -run '^$' -bench StoreFixesIngest -benchtime 20x
func BenchmarkStoreFixesIngest(b *testing.B) {
	paths := []struct {
		name  string
		write func(context.Context, pgx.Tx, []patrol.Fix) ([]bool, error)
	}{{"unnest", unnestInsert}, {"copy", checkedCopy}, {"hinted", hintedCopy}, {"staging", stagingFixes}}
	for _, size := range []int{50, 250, 1000, 10000} {
		for _, p := range paths {
			for _, resend := range []bool{false, true} {
				if resend && p.name == "hinted" {
					continue // the hint is only for batches after everything stored
				}
				name := fmt.Sprintf("%s/batch=%d", p.name, size)
				if resend {
					name += "/resend"
				}
				b.Run(name, func(b *testing.B) {
					s := benchIngestStore(b)
					unit, devices := benchDevices(b, s, 20)
					ctx := context.Background()
					batches := make([][]patrol.Fix, b.N)
					for k := range batches {
						batches[k] = benchBatch(unit, devices, k, size)
						if resend {
							batches[k] = benchBatch(unit, devices, 0, size)
						}
					}
					if err := s.ensurePartitions(ctx, []time.Time{batches[0][0].Time, batches[b.N-1][size-1].Time}); err != nil {
						b.Fatal(err)
					}
					if resend {
						if _, err := s.StoreFixes(ctx, batches[0]); err != nil {
							b.Fatal(err)
						}
					}
					b.ResetTimer()
					start := time.Now()
					for k := 0; k < b.N; k++ {
						tx, err := s.pool.Begin(ctx)
						if err != nil {
							b.Fatal(err)
						}
						if _, err := p.write(ctx, tx, batches[k]); err != nil {
							b.Fatal(err)
						}
						if err := tx.Commit(ctx); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.N*size)/time.Since(start).Seconds(), "fixes/s")
				})
			}
		}
	}
}
