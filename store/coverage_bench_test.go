package store_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/demo"
	"github.com/patrolmap/patrolmap/demo/load"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// benchDay is the day the benchmark's demo ward is generated for.
var benchDay = time.Date(2024, 6, 1, 0, 0, 0, 0, ict)

// loadBenchWard loads the demo ward (about 350,000 fixes over 90 nights) into a fresh database
// and returns the store and the unit.
func loadBenchWard(b *testing.B) (*store.Store, patrol.Unit) {
	b.Helper()
	ctx := context.Background()
	s := storetest.New(b)
	store.BcryptCost = 4
	w, err := demo.Generate(1, benchDay)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	res, err := load.Demo(ctx, s, w)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Printf("BENCH-INFO demo_load fixes=%d seconds=%.2f\n", res.Fixes, time.Since(start).Seconds())
	u, err := s.UnitByCode(ctx, demo.Code)
	if err != nil {
		b.Fatal(err)
	}
	return s, u
}

// markAllDirty marks every rollup key of the database dirty, as if all fixes had just arrived.
func markAllDirty(b *testing.B, s *store.Store) int {
	b.Helper()
	tag, err := s.Pool().Exec(context.Background(), `INSERT INTO rollup_dirty (unit_id, device_id, day)
		SELECT DISTINCT unit_id, device_id, day FROM cell_pass ON CONFLICT DO NOTHING`)
	if err != nil {
		b.Fatal(err)
	}
	return int(tag.RowsAffected())
}

func countFixes(b *testing.B, s *store.Store) int {
	b.Helper()
	var n int
	if err := s.Pool().QueryRow(context.Background(), `SELECT count(*) FROM fix`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkRollupCatchUp recomputes every rollup key of the demo ward (all of its fixes): the
// rate is fixes of the database per second of catch-up, with one and two workers.
func BenchmarkRollupCatchUp(b *testing.B) {
	s, _ := loadBenchWard(b)
	fixes := countFixes(b, s)
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			var total time.Duration
			for range b.N {
				b.StopTimer()
				markAllDirty(b, s)
				b.StartTimer()
				start := time.Now()
				if _, err := s.CatchUp(context.Background(), store.CatchUpOptions{Workers: workers}); err != nil {
					b.Fatal(err)
				}
				total += time.Since(start)
			}
			b.ReportMetric(float64(fixes)*float64(b.N)/total.Seconds(), "fixes/s")
		})
	}
}

// BenchmarkCoverageVisits reads one ward's night coverage of 30 nights from the rollups and,
// as the baseline, computes it from the raw fixes (read from the database, then geo.Coverage).
func BenchmarkCoverageVisits(b *testing.B) {
	ctx := context.Background()
	s, u := loadBenchWard(b)
	loc, _ := time.LoadLocation(u.TimeZone)
	p, err := geo.ParsePeriod("2024-05-02", "2024-06-01", loc, geo.WindowNight, geo.NightWindow{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("rollups", func(b *testing.B) {
		for range b.N {
			v, err := s.CoverageVisits(ctx, u.ID, 0, u.H3Res, geo.WindowNight, p, nil)
			if err != nil {
				b.Fatal(err)
			}
			geo.MergeCoverage(v)
		}
	})
	b.Run("raw", func(b *testing.B) {
		for range b.N {
			if _, err := rawCoverage(ctx, s, u, loc, p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// rawCoverage is the baseline: the fixes of the period read from the database and covered by
// geo.Coverage in one call.
func rawCoverage(ctx context.Context, s *store.Store, u patrol.Unit, loc *time.Location, p geo.Period) ([]geo.CellCoverage, error) {
	tracks := map[string][]patrol.Fix{}
	err := s.EachFix(ctx, patrol.FixFilter{UnitID: u.ID, From: p.From, To: p.To}, func(f patrol.StoredFix) error {
		acc := f.Accuracy
		if math.IsNaN(acc) {
			acc = 0
		}
		tracks[f.DeviceIdent] = append(tracks[f.DeviceIdent], patrol.Fix{Time: f.Time, Lat: f.Lat, Lon: f.Lon, Accuracy: acc, Speed: math.NaN()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return geo.Coverage(tracks, geo.CoverageOptions{Res: u.H3Res, Loc: loc, Window: geo.WindowNight, Period: p})
}

// BenchmarkRollupMarking measures what the triggers that mark rollup keys cost ingest:
// StoreFixes of 40,000 fixes in batches of 50 (the group commits of the tracking protocols) and
// of 10,000 (COPY), with the triggers on and, as the baseline, disabled; the two alternate within
// one run so that a busy machine slows both alike.
func BenchmarkRollupMarking(b *testing.B) {
	ctx := context.Background()
	s := storetest.New(b)
	u, d := benchUnit(b, s)
	track := patrolTrack(21, nightsFrom(geo.Date{Year: 2024, Month: time.June, Day: 1}, 60))
	all := patrolFixes(u, d, track)
	setTriggers := func(on bool) {
		action := "ENABLE"
		if !on {
			action = "DISABLE"
		}
		for _, trg := range []string{"fix_rollup_insert", "fix_rollup_delete"} {
			if _, err := s.Pool().Exec(ctx, `ALTER TABLE fix `+action+` TRIGGER `+trg); err != nil {
				b.Fatal(err)
			}
		}
	}
	defer setTriggers(true)
	for _, batch := range []int{50, 10000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			spent := map[bool]time.Duration{}
			n := 0
			for range b.N {
				for _, on := range []bool{true, false} {
					setTriggers(on)
					if _, err := s.Pool().Exec(ctx, `DELETE FROM fix; DELETE FROM rollup_mark; DELETE FROM rollup_dirty`); err != nil {
						b.Fatal(err)
					}
					start := time.Now()
					for i := 0; i+batch <= len(all) && i < 40000; i += batch {
						if _, err := s.StoreFixes(ctx, all[i:i+batch]); err != nil {
							b.Fatal(err)
						}
						if on {
							n += batch
						}
					}
					spent[on] += time.Since(start)
				}
			}
			b.ReportMetric(float64(n)/spent[true].Seconds(), "fixes/s-marked")
			b.ReportMetric(float64(n)/spent[false].Seconds(), "fixes/s-unmarked")
			b.ReportMetric(100*(spent[true].Seconds()/spent[false].Seconds()-1), "%overhead")
		})
	}
}

// benchUnit is coverageUnit for benchmarks.
func benchUnit(b *testing.B, s *store.Store) (patrol.Unit, patrol.Device) {
	b.Helper()
	ctx := context.Background()
	u, err := s.CreateUnit(ctx, patrol.Unit{Code: "bench", Name: "bench", TimeZone: "Asia/Ho_Chi_Minh",
		Boundary: []byte(coverageWard), NightStart: "22:00", NightEnd: "05:00", H3Res: 10})
	if err != nil {
		b.Fatal(err)
	}
	d, _, err := s.CreateDevice(ctx, u.ID, "bench-phone", "")
	if err != nil {
		b.Fatal(err)
	}
	return u, d
}
