package geo_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/uber/h3-go/v4"
)

// statsCentre is a point in Hoàn Kiếm, Hà Nội, used to build test patches.
var statsCentre = h3.NewLatLng(21.47, 105.85)

// statsPatch returns GridDisk(k) around statsCentre at resolution res; cells[0] is not
// necessarily the centre, use statsCentreCell for that.
func statsPatch(tb testing.TB, k, res int) []h3.Cell {
	tb.Helper()
	cells, err := h3.GridDisk(statsCentreCell(tb, res), k)
	if err != nil {
		tb.Fatalf("GridDisk: %v", err)
	}
	return cells
}

// statsCentreCell returns the cell of statsCentre at resolution res.
func statsCentreCell(tb testing.TB, res int) h3.Cell {
	tb.Helper()
	c, err := h3.LatLngToCell(statsCentre, res)
	if err != nil {
		tb.Fatalf("LatLngToCell: %v", err)
	}
	return c
}

// statsClose reports whether a and b agree to eps.
func statsClose(a, b, eps float64) bool {
	return math.Abs(a-b) <= eps
}

// statsDistanceBand returns the neighbour lists of points within distance d, self included.
func statsDistanceBand(pts [][2]float64, d float64) [][]int {
	nb := make([][]int, len(pts))
	for i, p := range pts {
		for j, q := range pts {
			if math.Hypot(p[0]-q[0], p[1]-q[1]) <= d {
				nb[i] = append(nb[i], j)
			}
		}
	}
	return nb
}

// statsGridDistance returns the grid distance from a to b, failing the test on error.
func statsGridDistance(tb testing.TB, a, b h3.Cell) int {
	tb.Helper()
	for k := 0; k < 100; k++ {
		disk, err := h3.GridDisk(a, k)
		if err != nil {
			tb.Fatalf("GridDisk: %v", err)
		}
		if slices.Contains(disk, b) {
			return k
		}
	}
	tb.Fatalf("%s and %s are far apart", a, b)
	return -1
}

func TestGiStarEsdaExample(t *testing.T) {
	// The example of PySAL esda's G_Local(star=True) with binary distance-band weights.
	pts := [][2]float64{{10, 10}, {20, 10}, {40, 10}, {15, 20}, {30, 20}, {30, 30}}
	y := []float64{2, 3, 3.2, 5, 8, 7}
	want := []float64{-1.39727626, -0.28917762, 0.65064964, -0.28917762, 1.23452088, 2.02424331}
	z, err := geo.GiStar(y, statsDistanceBand(pts, 15))
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if !statsClose(z[i], want[i], 1e-6) {
			t.Errorf("z[%d] = %.8f, want %.8f", i, z[i], want[i])
		}
	}
}

func ExampleGiStar() {
	// Six values; nb[i] lists i's neighbours, i itself included.
	y := []float64{2, 3, 3.2, 5, 8, 7}
	nb := [][]int{{0, 1, 3}, {0, 1, 3, 4}, {2, 4}, {0, 1, 3, 4}, {1, 2, 3, 4, 5}, {4, 5}}
	z, err := geo.GiStar(y, nb)
	if err != nil {
		panic(err)
	}
	for _, v := range z {
		fmt.Printf("%.4f %.4f\n", v, geo.TwoSidedP(v))
	}
	// Output:
	// -1.3973 0.1623
	// -0.2892 0.7724
	// 0.6506 0.5153
	// -0.2892 0.7724
	// 1.2345 0.2170
	// 2.0242 0.0429
}

func TestGiStarDegenerate(t *testing.T) {
	tests := []struct {
		name string
		x    []float64
		nb   [][]int
		want []float64
	}{
		{"all equal", []float64{4, 4, 4, 4}, [][]int{{0, 1}, {0, 1, 2}, {1, 2, 3}, {2, 3}}, []float64{0, 0, 0, 0}},
		{"all zero", []float64{0, 0, 0}, [][]int{{0, 1}, {0, 1, 2}, {1, 2}}, []float64{0, 0, 0}},
		{"no neighbours", []float64{1, 2, 3}, [][]int{{}, {1}, {2}}, []float64{0, 0, 1.224744871391589}},
		{"everyone a neighbour", []float64{1, 5}, [][]int{{0, 1}, {1}}, []float64{0, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			z, err := geo.GiStar(tc.x, tc.nb)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tc.want {
				if math.IsNaN(z[i]) || !statsClose(z[i], tc.want[i], 1e-12) {
					t.Errorf("z[%d] = %v, want %v", i, z[i], tc.want[i])
				}
			}
		})
	}
}

func TestGiStarErrors(t *testing.T) {
	tests := []struct {
		name string
		x    []float64
		nb   [][]int
	}{
		{"length mismatch", []float64{1, 2, 3}, [][]int{{0}, {1}}},
		{"one value", []float64{1}, [][]int{{0}}},
		{"nan", []float64{1, math.NaN()}, [][]int{{0}, {1}}},
		{"inf", []float64{1, math.Inf(1)}, [][]int{{0}, {1}}},
		{"index too large", []float64{1, 2}, [][]int{{0, 2}, {1}}},
		{"negative index", []float64{1, 2}, [][]int{{0}, {-1}}},
		{"repeated index", []float64{1, 2}, [][]int{{0, 1, 0}, {1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := geo.GiStar(tc.x, tc.nb)
			var bad *geo.AnalysisInputError
			if !errors.As(err, &bad) {
				t.Fatalf("GiStar error = %v, want an AnalysisInputError", err)
			}
			if _, err := geo.GiStarPermutation(context.Background(), tc.x, tc.nb, 9, 1); !errors.As(err, &bad) {
				t.Errorf("GiStarPermutation error = %v, want an AnalysisInputError", err)
			}
		})
	}
}

func TestGiStarTwoSidedP(t *testing.T) {
	tests := []struct {
		z, want float64
	}{
		{0, 1},
		{1.959963984540054, 0.05},
		{-1.959963984540054, 0.05},
		{2.5758293035489, 0.01},
		{1.6448536269514722, 0.10},
		{-8, 1.2441921148543202e-15},
		{math.Inf(1), 0},
		{math.Inf(-1), 0},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.z), func(t *testing.T) {
			if got := geo.TwoSidedP(tc.z); math.Abs(got-tc.want) > 1e-9*tc.want+1e-15 {
				t.Errorf("TwoSidedP(%v) = %v, want %v", tc.z, got, tc.want)
			}
		})
	}
	if p := geo.TwoSidedP(math.NaN()); !math.IsNaN(p) {
		t.Errorf("TwoSidedP(NaN) = %v, want NaN", p)
	}
}

func TestGiStarH3Neighbours(t *testing.T) {
	cells := statsPatch(t, 2, 10)
	centre := statsCentreCell(t, 10)
	for _, k := range []int{0, 1, 2} {
		t.Run(fmt.Sprintf("k=%d", k), func(t *testing.T) {
			nb, err := geo.H3Neighbours(cells, k)
			if err != nil {
				t.Fatal(err)
			}
			for i, row := range nb {
				if !slices.IsSorted(row) {
					t.Errorf("row %d not sorted: %v", i, row)
				}
				if !slices.Contains(row, i) {
					t.Errorf("row %d lacks itself", i)
				}
				for j := range cells {
					d := statsGridDistance(t, cells[i], cells[j])
					if got, want := slices.Contains(row, j), d <= k; got != want {
						t.Errorf("cell %d has %d as neighbour = %v, grid distance %d", i, j, got, d)
					}
				}
				if cells[i] == centre && len(row) != 3*k*(k+1)+1 {
					t.Errorf("centre has %d neighbours, want %d", len(row), 3*k*(k+1)+1)
				}
			}
		})
	}
	// A cell on the rim has fewer neighbours: cells outside the study area are not neighbours.
	nb, err := geo.H3Neighbours(cells, 1)
	if err != nil {
		t.Fatal(err)
	}
	rim := 0
	for _, row := range nb {
		if len(row) < 7 {
			rim++
		}
	}
	if rim != 12 {
		t.Errorf("%d cells with fewer than 7 neighbours, want the 12 of ring 2", rim)
	}

	other := statsCentreCell(t, 9)
	errTests := []struct {
		name  string
		cells []h3.Cell
		k     int
	}{
		{"negative k", cells, -1},
		{"invalid cell", []h3.Cell{cells[0], 0}, 1},
		{"duplicate cell", []h3.Cell{cells[0], cells[1], cells[0]}, 1},
		{"mixed resolution", []h3.Cell{cells[0], other}, 1},
	}
	for _, tc := range errTests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := geo.H3Neighbours(tc.cells, tc.k)
			var bad *geo.AnalysisInputError
			if !errors.As(err, &bad) {
				t.Errorf("error = %v, want an AnalysisInputError", err)
			}
		})
	}
}

// statsClusterCounts returns counts over cells with value hi on the cells within grid distance
// 1 of centre and a reproducible 0..2 background elsewhere.
func statsClusterCounts(tb testing.TB, cells []h3.Cell, centre h3.Cell, hi float64) []float64 {
	tb.Helper()
	ring, err := h3.GridDisk(centre, 1)
	if err != nil {
		tb.Fatal(err)
	}
	counts := make([]float64, len(cells))
	for i, c := range cells {
		if slices.Contains(ring, c) {
			counts[i] = hi
		} else {
			counts[i] = float64((i * 7) % 3)
		}
	}
	return counts
}

func TestHotspots(t *testing.T) {
	cells := statsPatch(t, 4, 10)
	centre := statsCentreCell(t, 10)
	counts := statsClusterCounts(t, cells, centre, 12)
	got, err := geo.Hotspots(cells, counts, 1, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	nb, _ := geo.H3Neighbours(cells, 1)
	z, _ := geo.GiStar(counts, nb)
	hot := 0
	for i, h := range got {
		if h.Cell != cells[i] || h.Count != counts[i] {
			t.Fatalf("row %d is %s/%v, want %s/%v", i, h.Cell, h.Count, cells[i], counts[i])
		}
		if !statsClose(h.Z, z[i], 1e-12) || !statsClose(h.P, geo.TwoSidedP(z[i]), 1e-15) {
			t.Errorf("row %d z, p = %v, %v; want %v, %v", i, h.Z, h.P, z[i], geo.TwoSidedP(z[i]))
		}
		wantClass := "none"
		if h.Confidence > 0 {
			wantClass = map[bool]string{true: "hot", false: "cold"}[h.Z > 0]
		}
		if h.Class != wantClass {
			t.Errorf("row %d class %q, want %q (z %v, confidence %d)", i, h.Class, wantClass, h.Z, h.Confidence)
		}
		if h.Significant && h.Confidence < 95 {
			t.Errorf("row %d significant at 0.05 but confidence %d", i, h.Confidence)
		}
		if h.Class == "hot" {
			hot++
		}
		if h.Cell == centre && (h.Confidence != 99 || !h.Significant || h.Class != "hot") {
			t.Errorf("centre: %+v, want a 99 %% hot spot", h)
		}
		if d := statsGridDistance(t, centre, h.Cell); d >= 3 && h.Class == "hot" {
			t.Errorf("cell at distance %d is hot: %+v", d, h)
		}
	}
	if hot < 7 {
		t.Errorf("%d hot cells, want at least the 7 of the cluster", hot)
	}

	flat, err := geo.Hotspots(cells, make([]float64, len(cells)), 2, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range flat {
		if h.Z != 0 || h.P != 1 || h.Significant || h.Confidence != 0 || h.Class != "none" {
			t.Fatalf("all-zero counts gave %+v, want z 0, p 1, none", h)
		}
	}

	errTests := []struct {
		name   string
		cells  []h3.Cell
		counts []float64
		k      int
		alpha  float64
	}{
		{"k too large", cells, counts, geo.MaxNeighbourK + 1, 0.05},
		{"negative k", cells, counts, -1, 0.05},
		{"alpha 0", cells, counts, 1, 0},
		{"alpha 1", cells, counts, 1, 1},
		{"alpha nan", cells, counts, 1, math.NaN()},
		{"length mismatch", cells, counts[1:], 1, 0.05},
		{"one cell", cells[:1], counts[:1], 1, 0.05},
		{"negative count", cells[:2], []float64{1, -1}, 1, 0.05},
		{"nan count", cells[:2], []float64{1, math.NaN()}, 1, 0.05},
		{"invalid cell", []h3.Cell{cells[0], 1}, []float64{1, 2}, 1, 0.05},
	}
	for _, tc := range errTests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := geo.Hotspots(tc.cells, tc.counts, tc.k, tc.alpha)
			var bad *geo.AnalysisInputError
			if !errors.As(err, &bad) {
				t.Errorf("error = %v, want an AnalysisInputError", err)
			}
		})
	}
}

func TestBHBenjaminiHochberg(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name  string
		p     []float64
		alpha float64
		want  []bool
	}{
		{"all pass", []float64{0.01, 0.04, 0.03, 0.005}, 0.05, []bool{true, true, true, true}},
		{"step-up passes a failed rank", []float64{0.01, 0.03, 0.028, 0.9}, 0.05, []bool{true, true, true, false}},
		{"ties pass together", []float64{0.03, 0.9, 0.03}, 0.05, []bool{true, false, true}},
		{"ties fail together", []float64{0.04, 0.04, 0.9}, 0.05, []bool{false, false, false}},
		{"none", []float64{0.2, 0.5, 0.9}, 0.05, []bool{false, false, false}},
		{"nan never passes and is not counted", []float64{nan, 0.04, 0.01}, 0.05, []bool{false, true, true}},
		{"empty", nil, 0.05, []bool{}},
		{"alpha 0", []float64{0, 0.01}, 0, []bool{false, false}},
		// McDonald's Handbook of Biological Statistics, diet and mammographic density; the
		// counts agree with sum(p.adjust(p, "BH") <= alpha) in R. At 0.25 the sixth p-value
		// (0.060) equals its critical value 6/25·0.25 and passes (≤).
		{"mcdonald 0.2", []float64{0.001, 0.008, 0.039, 0.041, 0.042, 0.060, 0.074, 0.205, 0.212, 0.216, 0.222,
			0.251, 0.269, 0.275, 0.34, 0.341, 0.384, 0.569, 0.594, 0.696, 0.762, 0.94, 0.942, 0.975, 0.986}, 0.2,
			append([]bool{true, true}, make([]bool, 23)...)},
		{"mcdonald 0.25", []float64{0.001, 0.008, 0.039, 0.041, 0.042, 0.060, 0.074, 0.205, 0.212, 0.216, 0.222,
			0.251, 0.269, 0.275, 0.34, 0.341, 0.384, 0.569, 0.594, 0.696, 0.762, 0.94, 0.942, 0.975, 0.986}, 0.25,
			append([]bool{true, true, true, true, true, true}, make([]bool, 19)...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := geo.BenjaminiHochberg(tc.p, tc.alpha); !slices.Equal(got, tc.want) {
				t.Errorf("BenjaminiHochberg(%v, %v) = %v, want %v", tc.p, tc.alpha, got, tc.want)
			}
		})
	}
}

func ExampleBenjaminiHochberg() {
	p := []float64{0.01, 0.03, 0.028, 0.9}
	fmt.Println(geo.BenjaminiHochberg(p, 0.05))
	fmt.Println(geo.Confidence(p))
	// Output:
	// [true true true false]
	// [95 95 95 0]
}

func TestConfidence(t *testing.T) {
	tests := []struct {
		name string
		p    []float64
		want []int
	}{
		{"levels", []float64{0.001, 0.02, 0.07, 0.5}, []int{99, 95, 90, 0}},
		{"nan", []float64{math.NaN(), 0.001}, []int{0, 99}},
		{"all high", []float64{0.3, 0.8}, []int{0, 0}},
		{"all tiny", []float64{1e-6, 1e-7, 1e-8}, []int{99, 99, 99}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := geo.Confidence(tc.p)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Confidence(%v) = %v, want %v", tc.p, got, tc.want)
			}
			for _, lv := range []struct {
				alpha float64
				level int
			}{{0.01, 99}, {0.05, 95}, {0.10, 90}} {
				pass := geo.BenjaminiHochberg(tc.p, lv.alpha)
				for i := range got {
					if pass[i] != (got[i] >= lv.level) {
						t.Errorf("p %v: confidence %d but BH at %v = %v", tc.p[i], got[i], lv.alpha, pass[i])
					}
				}
			}
		})
	}
}

func TestPermutation(t *testing.T) {
	cells := statsPatch(t, 4, 10)
	centre := statsCentreCell(t, 10)
	counts := statsClusterCounts(t, cells, centre, 12)
	nb, err := geo.H3Neighbours(cells, 1)
	if err != nil {
		t.Fatal(err)
	}
	const draws = 999
	p1, err := geo.GiStarPermutation(context.Background(), counts, nb, draws, 42)
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := geo.GiStarPermutation(context.Background(), counts, nb, draws, 42)
	p3, _ := geo.GiStarPermutation(context.Background(), counts, nb, draws, 43)
	if !slices.Equal(p1, p2) {
		t.Error("same seed gave different p-values")
	}
	if slices.Equal(p1, p3) {
		t.Error("different seeds gave identical p-values")
	}
	z, _ := geo.GiStar(counts, nb)
	for i, p := range p1 {
		if p < 1.0/(draws+1) || p > 1 {
			t.Errorf("p[%d] = %v outside [1/(R+1), 1]", i, p)
		}
		// R+1 times p is the whole count M+1.
		if m := p * (draws + 1); !statsClose(m, math.Round(m), 1e-9) {
			t.Errorf("p[%d] = %v is not (M+1)/(R+1)", i, p)
		}
		if cells[i] == centre && p > 0.005 {
			t.Errorf("centre of the cluster has pseudo p %v, z %v; want ≤ 0.005", p, z[i])
		}
		if math.Abs(z[i]) < 0.5 && p < 0.2 {
			t.Errorf("cell %d with z %v has pseudo p %v, want a large p", i, z[i], p)
		}
	}

	flat, err := geo.GiStarPermutation(context.Background(), make([]float64, len(cells)), nb, draws, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range flat {
		if p != 1 {
			t.Fatalf("constant values: p[%d] = %v, want 1", i, p)
		}
	}
	if _, err := geo.GiStarPermutation(context.Background(), counts, nb, 0, 1); err == nil {
		t.Error("0 draws: no error")
	}
}
