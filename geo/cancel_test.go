package geo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/geo"
)

// TestHeavyAnalysesStopWithTheirContext: the permutation test, the emerging analysis and the
// forecast check return the context's error, soon, once it ends — the HTTP layer passes the
// request's context so that a client hanging up stops the work.
func TestHeavyAnalysesStopWithTheirContext(t *testing.T) {
	cells := statsPatch(t, 8, 10)
	centre := statsCentreCell(t, 10)
	counts := statsClusterCounts(t, cells, centre, 12)
	nb, err := geo.H3Neighbours(cells, 1)
	if err != nil {
		t.Fatal(err)
	}
	cube := statsCube(t, cells, centre, 12, func(int) float64 { return 5 }, statsBackground)
	done, cancel := context.WithCancel(context.Background())
	cancel()
	runs := map[string]func(ctx context.Context) error{
		"permutation": func(ctx context.Context) error {
			_, err := geo.GiStarPermutation(ctx, counts, nb, 19_999, 1)
			return err
		},
		"emerging": func(ctx context.Context) error {
			_, err := geo.Emerging(ctx, cells, cube, 1, 1)
			return err
		},
		"forecast": func(ctx context.Context) error {
			_, err := geo.ForecastCheck(ctx, cells, cube, 2, 1, 1)
			return err
		},
	}
	for name, run := range runs {
		t.Run(name, func(t *testing.T) {
			if err := run(done); !errors.Is(err, context.Canceled) {
				t.Fatalf("with an ended context: %v, want context.Canceled", err)
			}
			if err := run(context.Background()); err != nil {
				t.Fatalf("with a live context: %v", err)
			}
		})
	}
	// Cancelled in the middle of a run (about half a second of permutations alone), it returns within a
	// second.
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(200 * time.Millisecond); cancel() }()
	start := time.Now()
	err = runs["permutation"](ctx)
	if took := time.Since(start); !errors.Is(err, context.Canceled) || took > 1200*time.Millisecond {
		t.Fatalf("cancelled after 200 ms: returned %v after %v", err, took)
	}
}
