package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/demo"
	"github.com/patrolmap/patrolmap/demo/load"
	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// TestLoadDemoOnAwkwardDays loads the demo ward on days a calendar walk gets wrong: the 7th of
// a month (the 2nd to the 8th once lost the current month's partition), the 1st, the 31st,
// 29 February and the day after it. Every generated fix must land.
func TestLoadDemoOnAwkwardDays(t *testing.T) {
	store.BcryptCost = 4
	days := []time.Time{
		time.Date(2026, 12, 7, 9, 0, 0, 0, ict),
		time.Date(2027, 1, 1, 9, 0, 0, 0, ict),
		time.Date(2027, 1, 31, 9, 0, 0, 0, ict),
		time.Date(2028, 2, 29, 9, 0, 0, 0, ict),
		time.Date(2028, 3, 1, 9, 0, 0, 0, ict),
	}
	for _, day := range days {
		t.Run(day.Format("2006-01-02"), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := storetest.New(t)
			w, err := demo.Generate(1, day)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			if err := w.Fixes(func(demo.PhoneFix) error { want++; return nil }); err != nil {
				t.Fatal(err)
			}
			res, err := load.Demo(ctx, s, w)
			if err != nil {
				t.Fatalf("LoadDemo on %s: %v", day.Format("2006-01-02"), err)
			}
			if !res.Loaded || res.Fixes == 0 || res.Fixes > want {
				t.Fatalf("loaded %+v, generated %d fixes", res, want)
			}
			var stored int
			if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM fix`).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if stored != res.Fixes {
				t.Fatalf("%d fixes stored, LoadDemo says %d", stored, res.Fixes)
			}
		})
	}
}
