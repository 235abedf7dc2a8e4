package hotspots_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/app/apptest"
	"github.com/patrolmap/patrolmap/app/hotspots"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// disk is a cell and its 18 neighbours to distance 2, with 9 incidents in the centre cell.
func disk(t *testing.T) ([]h3.Cell, []float64) {
	t.Helper()
	centre := apptest.StudyCells()[10]
	cells, err := h3.GridDisk(centre, 2)
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]float64, len(cells))
	for i, c := range cells {
		if c == centre {
			counts[i] = 9
		}
	}
	return cells, counts
}

func query() hotspots.Query {
	return hotspots.Query{Unit: apptest.Unit(), Res: 10, K: 1, MinSeverity: 1}
}

func weeks(t *testing.T, n int) hotspots.SpaceTime {
	t.Helper()
	to := time.Date(2025, 3, 3, 0, 0, 0, 0, hsZone)
	p, bounds, err := hotspots.StepPeriod(to.AddDate(0, 0, -7*n).Format(time.DateOnly), to.Format(time.DateOnly), hotspots.StepWeek, 12, to, hsZone)
	if err != nil {
		t.Fatal(err)
	}
	return hotspots.SpaceTime{Query: query(), Step: hotspots.StepWeek, Period: p, Bounds: bounds, TimeLag: 1}
}

func TestHotspots(t *testing.T) {
	cells, counts := disk(t)
	db := &apptest.Store{CubeCells: cells, CubeCounts: [][]float64{counts}}
	period := apptest.Nights("2025-01-01", "2025-02-01")
	res, err := hotspots.Hotspots(context.Background(), db, hotspots.HotspotRequest{Query: query(), Period: period, Alpha: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Cells) != len(cells) || res.Incidents != 9 || res.PPerm != nil {
		t.Fatalf("%d cells, %v incidents", len(res.Cells), res.Incidents)
	}
	if mean, _ := hotspots.MeanSD(counts); res.Mean != mean {
		t.Fatalf("mean %v, want %v", res.Mean, mean)
	}
	perm, err := hotspots.Hotspots(context.Background(), db, hotspots.HotspotRequest{Query: query(), Period: period, Alpha: 0.05, Permutations: 99, Seed: 7})
	if err != nil || len(perm.PPerm) != len(cells) {
		t.Fatalf("permutations: %v, %d p-values", err, len(perm.PPerm))
	}
	for i, r := range perm.Cells {
		if r.Confidence > 0 && perm.PPerm[i] > 0.1 {
			t.Fatalf("cell %s has confidence %d with pseudo p %v", r.Cell, r.Confidence, perm.PPerm[i])
		}
	}
}

func TestHotspotsRefuse(t *testing.T) {
	cells, counts := disk(t)
	period := apptest.Nights("2025-01-01", "2025-02-01")
	tests := []struct {
		name  string
		db    *apptest.Store
		req   hotspots.HotspotRequest
		field string
	}{
		{"one cell is no study area", &apptest.Store{CubeCells: cells[:1], CubeCounts: [][]float64{counts[:1]}},
			hotspots.HotspotRequest{Query: query(), Period: period, Alpha: 0.05}, "res"},
		{"permutations beyond the work limit", &apptest.Store{CubeCells: cells, CubeCounts: [][]float64{counts}},
			hotspots.HotspotRequest{Query: query(), Period: period, Alpha: 0.05, Permutations: hotspots.MaxPermutationWork/len(cells) + 1}, "permutations"},
		{"k beyond geo's bound is bad input to the statistics", &apptest.Store{CubeCells: cells, CubeCounts: [][]float64{counts}},
			hotspots.HotspotRequest{Query: hotspots.Query{Unit: apptest.Unit(), Res: 10, K: geo.MaxNeighbourK + 1}, Period: period, Alpha: 0.05}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := hotspots.Hotspots(context.Background(), tc.db, tc.req)
			var fe *patrol.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, patrol.ErrUnprocessable) {
				t.Fatalf("err %v, want an unprocessable error naming %q", err, tc.field)
			}
		})
	}
}

func TestEmergingAndForecast(t *testing.T) {
	cells, counts := disk(t)
	// The centre cell grows from nothing: a new or intensifying hot spot at the end.
	var rows [][]float64
	for s := 0; s < 16; s++ {
		row := make([]float64, len(counts))
		for i := range counts {
			row[i] = counts[i] * float64(s) / 8
		}
		rows = append(rows, row)
	}
	db := &apptest.Store{CubeCells: cells, CubeCounts: rows}
	em, err := hotspots.Emerging(context.Background(), db, weeks(t, 12))
	if err != nil {
		t.Fatal(err)
	}
	if len(em.Cells) != len(cells) || em.Summary[string(geo.CategoryNoPattern)] == len(cells) {
		t.Fatalf("%d cells, summary %v", len(em.Cells), em.Summary)
	}
	var fe *patrol.FieldError
	if _, err := hotspots.Emerging(context.Background(), db, weeks(t, 9)); !errors.As(err, &fe) || fe.Field != "from" {
		t.Fatalf("9 weeks: %v", err)
	}
	fc, err := hotspots.Forecast(context.Background(), db, weeks(t, 16), 4)
	if err != nil {
		t.Fatal(err)
	}
	if fc.TrainSteps != 12 || fc.HoldoutSteps != 4 || len(fc.StepBounds) != 17 || fc.From != fc.StepBounds[0] || len(fc.Rows) == 0 {
		t.Fatalf("forecast %+v", fc)
	}
	if _, err := hotspots.Forecast(context.Background(), db, weeks(t, 13), 4); !errors.As(err, &fe) || fe.Field != "from" {
		t.Fatalf("9 training weeks: %v", err)
	}
}
