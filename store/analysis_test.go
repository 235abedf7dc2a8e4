package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store/storetest"
)

func TestIncidentCube(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	square := orb.Polygon{{{105.845, 21.465}, {105.855, 21.465}, {105.855, 21.475}, {105.845, 21.475}, {105.845, 21.465}}}
	u, err := s.CreateUnit(ctx, patrol.Unit{Code: "cube", Name: "cube", TimeZone: "Asia/Ho_Chi_Minh", H3Res: 10, NightStart: "22:00", NightEnd: "05:00",
		Boundary: json.RawMessage(`{"type":"Polygon","coordinates":[[[105.845,21.465],[105.855,21.465],[105.855,21.475],[105.845,21.475],[105.845,21.465]]]}`)})
	if err != nil {
		t.Fatal(err)
	}
	bare, err := s.CreateUnit(ctx, patrol.Unit{Code: "bare", Name: "no boundary", TimeZone: "Asia/Ho_Chi_Minh", H3Res: 10, NightStart: "22:00", NightEnd: "05:00"})
	if err != nil {
		t.Fatal(err)
	}
	day := func(d, h int) time.Time { return time.Date(2025, 3, d, h, 0, 0, 0, time.UTC) }
	in, out := orb.Point{105.8475, 21.4725}, orb.Point{105.8600, 21.4600}
	list := []patrol.Incident{
		{Time: day(1, 0), Lon: in[0], Lat: in[1], Category: "theft", Severity: 2},  // step 0, on its first bound
		{Time: day(7, 23), Lon: in[0], Lat: in[1], Category: "theft", Severity: 4}, // step 0
		{Time: day(8, 0), Lon: in[0], Lat: in[1], Category: "drugs", Severity: 5},  // step 1, on the bound
		{Time: day(9, 0), Lon: out[0], Lat: out[1], Category: "fraud", Severity: 1},
		{Time: day(10, 0), Lon: out[0], Lat: out[1], Category: "theft", Severity: 3, Status: patrol.StatusVoid},
		{Time: day(15, 0), Lon: in[0], Lat: in[1], Category: "theft", Severity: 3}, // at the end bound: outside
	}
	for i := range list {
		list[i].ExternalID = string(rune('a' + i))
	}
	if _, _, err := s.InsertIncidents(ctx, u.ID, 0, list); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.InsertIncidents(ctx, bare.ID, 0, list[:2]); err != nil {
		t.Fatal(err)
	}
	study, err := geo.StudyCells(square, 10)
	if err != nil {
		t.Fatal(err)
	}
	cellIn, _ := geo.CellOf(in, 10)
	cellOut, _ := geo.CellOf(out, 10)
	bounds := []time.Time{day(1, 0), day(8, 0), day(15, 0)}

	for _, tc := range []struct {
		name        string
		cats        []string
		minSeverity int
		wantIn      [2]float64
		wantOut     [2]float64
		withOut     bool
	}{
		{"all", nil, 1, [2]float64{2, 1}, [2]float64{0, 1}, true},
		{"theft", []string{"theft"}, 1, [2]float64{2, 0}, [2]float64{}, false}, // the void theft adds no cell
		{"theft and fraud", []string{"fraud", "theft"}, 1, [2]float64{2, 0}, [2]float64{0, 1}, true},
		{"severity 4", nil, 4, [2]float64{1, 1}, [2]float64{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cells, counts, err := s.IncidentCube(ctx, u.ID, 10, bounds, tc.cats, tc.minSeverity)
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(study)
			if tc.withOut {
				want = append(want, cellOut)
				slices.Sort(want)
			}
			if !slices.Equal(cells, want) {
				t.Fatalf("%d cells, want %d (study area %d)", len(cells), len(want), len(study))
			}
			if len(counts) != 2 || len(counts[0]) != len(cells) || len(counts[1]) != len(cells) {
				t.Fatalf("counts of %d steps", len(counts))
			}
			i, _ := slices.BinarySearch(cells, cellIn)
			if got := [2]float64{counts[0][i], counts[1][i]}; got != tc.wantIn {
				t.Errorf("inside cell %v, want %v", got, tc.wantIn)
			}
			if j, ok := slices.BinarySearch(cells, cellOut); ok {
				if got := [2]float64{counts[0][j], counts[1][j]}; got != tc.wantOut {
					t.Errorf("outside cell %v, want %v", got, tc.wantOut)
				}
			}
			var total float64
			for _, row := range counts {
				for _, v := range row {
					total += v
				}
			}
			if want := tc.wantIn[0] + tc.wantIn[1] + tc.wantOut[0] + tc.wantOut[1]; total != want {
				t.Errorf("total %v, want %v", total, want)
			}
		})
	}

	t.Run("no boundary", func(t *testing.T) {
		cells, counts, err := s.IncidentCube(ctx, bare.ID, 10, bounds, nil, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(cells, []h3.Cell{cellIn}) || counts[0][0] != 2 {
			t.Errorf("cells %v counts %v", cells, counts)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		if _, _, err := s.IncidentCube(ctx, u.ID, 10, bounds[:1], nil, 1); err == nil {
			t.Error("one bound accepted")
		}
		if _, _, err := s.IncidentCube(ctx, u.ID, 10, []time.Time{bounds[1], bounds[0]}, nil, 1); err == nil {
			t.Error("decreasing bounds accepted")
		}
		var in *geo.AnalysisInputError
		if _, _, err := s.IncidentCube(ctx, u.ID, 12, bounds, nil, 1); !errors.As(err, &in) {
			t.Errorf("resolution 12: %v", err)
		}
		if _, _, err := s.IncidentCube(ctx, 999999, 10, bounds, nil, 1); !errors.Is(err, patrol.ErrNotFound) {
			t.Errorf("unknown unit: %v", err)
		}
	})
}
