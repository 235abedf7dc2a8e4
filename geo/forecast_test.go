package geo_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/patrolmap/patrolmap/geo"
)

// statsForecastCube returns 12 steps over the 61-cell patch: in the 10 training steps an
// intensifying cluster (the centre and its ring, 12+3t each) over a 0..2 background, plus a
// decoy cell far away with 100 incidents in the last training step only; in the 2 held-out
// steps 5 incidents in each cluster cell and 10 in one other far cell.
func statsForecastCube(t *testing.T) [][]float64 {
	t.Helper()
	cells := statsPatch(t, 4, 10)
	centre := statsCentreCell(t, 10)
	cube := statsCube(t, cells, centre, 10, func(t int) float64 { return 12 + 3*float64(t) }, statsBackground)
	var cluster []int
	decoy, stray := -1, -1
	for i, c := range cells {
		switch d := statsGridDistance(t, centre, c); {
		case d <= 1:
			cluster = append(cluster, i)
		case d == 4 && decoy < 0:
			decoy = i
		case d == 4 && stray < 0:
			stray = i
		}
	}
	cube[9][decoy] = 100
	for range 2 {
		held := make([]float64, len(cells))
		for _, i := range cluster {
			held[i] = 5
		}
		cube = append(cube, held)
	}
	cube[10][stray] = 10
	return cube
}

func TestForecastCheck(t *testing.T) {
	cells := statsPatch(t, 4, 10)
	cube := statsForecastCube(t)
	got, err := geo.ForecastCheck(context.Background(), cells, cube, 2, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got.TrainSteps != 10 || got.HoldoutSteps != 2 || got.Cells != 61 || got.HeldOut != 80 {
		t.Errorf("report header %+v, want 10 training steps, 2 held out, 61 cells, 80 incidents", got)
	}
	// 5 % of 61 cells is ceil(3.05) = 4 cells, 10 % is ceil(6.1) = 7 (the whole cluster).
	// emerging: the 4 and then 7 cluster cells; last period: the decoy and 3, then 6 cluster
	// cells; long run: the cluster.
	want := []geo.ForecastRow{
		{Method: geo.ForecastEmerging, Share: 0.05, Cells: 4, AreaShare: 4.0 / 61, Hits: 40, HitRate: 0.5, PAI: 0.5 * 61 / 4},
		{Method: geo.ForecastEmerging, Share: 0.10, Cells: 7, AreaShare: 7.0 / 61, Hits: 70, HitRate: 0.875, PAI: 0.875 * 61 / 7},
		{Method: geo.ForecastLastPeriod, Share: 0.05, Cells: 4, AreaShare: 4.0 / 61, Hits: 30, HitRate: 0.375, PAI: 0.375 * 61 / 4},
		{Method: geo.ForecastLastPeriod, Share: 0.10, Cells: 7, AreaShare: 7.0 / 61, Hits: 60, HitRate: 0.75, PAI: 0.75 * 61 / 7},
		{Method: geo.ForecastLongRun, Share: 0.05, Cells: 4, AreaShare: 4.0 / 61, Hits: 40, HitRate: 0.5, PAI: 0.5 * 61 / 4},
		{Method: geo.ForecastLongRun, Share: 0.10, Cells: 7, AreaShare: 7.0 / 61, Hits: 70, HitRate: 0.875, PAI: 0.875 * 61 / 7},
	}
	if len(got.Rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(got.Rows), len(want), got.Rows)
	}
	for i, w := range want {
		t.Run(fmt.Sprintf("%s %v", w.Method, w.Share), func(t *testing.T) {
			g := got.Rows[i]
			if g.Method != w.Method || g.Share != w.Share || g.Cells != w.Cells || g.Hits != w.Hits ||
				!statsClose(g.AreaShare, w.AreaShare, 1e-12) || !statsClose(g.HitRate, w.HitRate, 1e-12) || !statsClose(g.PAI, w.PAI, 1e-9) {
				t.Errorf("row %+v, want %+v", g, w)
			}
		})
	}
}

func TestForecastCheckNothingHeldOut(t *testing.T) {
	cells := statsPatch(t, 4, 10)
	cube := statsForecastCube(t)
	for _, s := range cube[10:] {
		clear(s)
	}
	got, err := geo.ForecastCheck(context.Background(), cells, cube, 2, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got.HeldOut != 0 {
		t.Errorf("held out %v, want 0", got.HeldOut)
	}
	for _, r := range got.Rows {
		if r.Hits != 0 || r.HitRate != 0 || r.PAI != 0 {
			t.Errorf("row %+v, want zero hits, hit rate and PAI", r)
		}
	}
}

func TestForecastCheckErrors(t *testing.T) {
	cells := statsPatch(t, 4, 10)
	cube := statsForecastCube(t)
	short := append(cube[:11:11], cube[11][1:])
	negative := append(cube[:11:11], append([]float64{-1}, cube[11][1:]...))
	tests := []struct {
		name            string
		cube            [][]float64
		holdout, k, lag int
	}{
		{"no holdout", cube, 0, 1, 1},
		{"one training step", cube, 11, 1, 1},
		{"everything held out", cube, 12, 1, 1},
		{"k too large", cube, 2, geo.MaxNeighbourK + 1, 1},
		{"lag too long for training", cube, 2, 1, 10},
		{"short held-out step", short, 1, 1, 1},
		{"negative held-out count", negative, 1, 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := geo.ForecastCheck(context.Background(), cells, tc.cube, tc.holdout, tc.k, tc.lag)
			var bad *geo.AnalysisInputError
			if !errors.As(err, &bad) {
				t.Errorf("error = %v, want an AnalysisInputError", err)
			}
		})
	}
}
