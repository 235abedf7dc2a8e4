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
	// Cancelled in the middle of a run, it returns within a second. The run is ten times the one
	// above (19,999 permutations took 0.17 s on an idle core, so 199,999 take well over a second)
	// and is cancelled after 50 ms, so it cannot finish first on a fast machine.
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	start := time.Now()
	_, err = geo.GiStarPermutation(ctx, counts, nb, 199_999, 1)
	if took := time.Since(start); !errors.Is(err, context.Canceled) || took > 1050*time.Millisecond {
		t.Fatalf("cancelled after 50 ms: returned %v after %v", err, took)
	}
	// The same run with a live context takes longer than the cancelled one did: the
	// cancellation, not an early end, is what stopped it.
	full := time.Now()
	if _, err := geo.GiStarPermutation(context.Background(), counts, nb, 199_999, 1); err != nil {
		t.Fatal(err)
	}
	t.Logf("199,999 permutations: %v in full, cancelled after 50 ms returned at %v", time.Since(full), time.Since(start)-time.Since(full))
}
