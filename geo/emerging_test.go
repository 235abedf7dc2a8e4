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

func TestClassifyEmerging(t *testing.T) {
	const sig, notSig = 0.001, 0.6
	tests := []struct {
		name   string
		bins   []int
		trendZ float64
		trendP float64
		want   geo.EmergingCategory
	}{
		{"new hot", []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 1.2, 0.23, geo.CategoryNewHotSpot},
		{"consecutive hot", []int{0, 0, 0, 0, 0, 0, 0, 1, 1, 1}, 2.7, 0.006, geo.CategoryConsecutiveHotSpot},
		{"intensifying hot", []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 3.9, sig, geo.CategoryIntensifyingHotSpot},
		{"persistent hot", []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 0.4, notSig, geo.CategoryPersistentHotSpot},
		{"diminishing hot", []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, -3.0, sig, geo.CategoryDiminishingHotSpot},
		{"sporadic hot", []int{1, 0, 0, 1, 1, 0, 0, 0, 1, 1}, 0.1, notSig, geo.CategorySporadicHotSpot},
		{"oscillating hot", []int{-1, 0, 0, 0, 1, 0, 0, 0, 0, 1}, 1.0, notSig, geo.CategoryOscillatingHotSpot},
		{"historical hot", []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 0}, -2.5, 0.01, geo.CategoryHistoricalHotSpot},
		{"new cold", []int{0, 0, 0, 0, 0, 0, 0, 0, 0, -1}, -1.2, 0.23, geo.CategoryNewColdSpot},
		{"consecutive cold", []int{0, 0, 0, 0, 0, 0, 0, 0, -1, -1}, -2.0, 0.04, geo.CategoryConsecutiveColdSpot},
		{"intensifying cold", []int{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1}, -3.9, sig, geo.CategoryIntensifyingColdSpot},
		{"persistent cold", []int{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1}, 0.3, notSig, geo.CategoryPersistentColdSpot},
		{"diminishing cold", []int{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1}, 3.0, sig, geo.CategoryDiminishingColdSpot},
		{"sporadic cold", []int{-1, 0, -1, 0, 0, 0, 0, 0, 0, -1}, 0.2, notSig, geo.CategorySporadicColdSpot},
		{"oscillating cold", []int{1, 0, 0, 0, 0, 0, 0, 0, -1, -1}, -1.5, notSig, geo.CategoryOscillatingColdSpot},
		{"historical cold", []int{-1, -1, -1, -1, -1, -1, -1, -1, -1, 0}, 0, 1, geo.CategoryHistoricalColdSpot},
		{"no pattern", []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 0, 1, geo.CategoryNoPattern},

		// Edges of the definitions.
		{"hot early only", []int{1, 1, 0, 0, 0, 0, 0, 0, 0, 0}, -2.0, 0.04, geo.CategoryNoPattern},
		{"empty series", nil, 0, 1, geo.CategoryNoPattern},
		{"cold history beats new", []int{-1, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 1.0, notSig, geo.CategoryOscillatingHotSpot},
		{"cold history beats consecutive", []int{0, -1, 0, 0, 0, 0, 0, 0, 1, 1}, 1.0, notSig, geo.CategoryOscillatingHotSpot},
		{"9 of 10 hot is 90 %", []int{0, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 0.5, notSig, geo.CategoryPersistentHotSpot},
		{"9 of 10 hot with a trend", []int{0, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 3.5, sig, geo.CategoryIntensifyingHotSpot},
		{"8 of 10 hot is consecutive", []int{0, 0, 1, 1, 1, 1, 1, 1, 1, 1}, 3.5, sig, geo.CategoryConsecutiveHotSpot},
		{"8 of 10 hot with a gap is sporadic", []int{1, 0, 1, 1, 1, 1, 1, 0, 1, 1}, 0, 1, geo.CategorySporadicHotSpot},
		{"7 of 8 hot is under 90 %", []int{0, 1, 1, 1, 1, 1, 1, 1}, 3.5, sig, geo.CategoryConsecutiveHotSpot},
		{"8 of 8 hot", []int{1, 1, 1, 1, 1, 1, 1, 1}, 3.5, sig, geo.CategoryIntensifyingHotSpot},
		{"historical needs 90 % (7 of 8)", []int{1, 1, 1, 1, 1, 1, 1, 0}, 0, 1, geo.CategoryNoPattern},
		{"trend p 0.05 is not significant", []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 1.96, 0.05, geo.CategoryPersistentHotSpot},
		{"trend p NaN is not significant", []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 1.96, math.NaN(), geo.CategoryPersistentHotSpot},
		{"90 % hot beats a cold history", []int{-1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 0, 1, geo.CategoryPersistentHotSpot},
		{"any positive bin is hot", []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, 0, 1, geo.CategoryNewHotSpot},
		{"single step hot", []int{1}, 0, 1, geo.CategoryPersistentHotSpot},
	}
	seen := map[geo.EmergingCategory]bool{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := geo.ClassifyEmerging(tc.bins, tc.trendZ, tc.trendP)
			if got != tc.want {
				t.Errorf("ClassifyEmerging(%v, %v, %v) = %s, want %s", tc.bins, tc.trendZ, tc.trendP, got, tc.want)
			}
			seen[got] = true
			if got.IsHot() && got.IsCold() {
				t.Errorf("%s is both hot and cold", got)
			}
		})
	}
	if len(seen) != 17 {
		t.Errorf("the crafted series reach %d categories, want all 17", len(seen))
	}
}

func ExampleClassifyEmerging() {
	// Ten weekly bins: +1 significant hot spot, −1 significant cold spot, 0 neither.
	fmt.Println(geo.ClassifyEmerging([]int{0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 1.8, 0.07))
	fmt.Println(geo.ClassifyEmerging([]int{0, 0, 0, 0, 0, 0, 0, 1, 1, 1}, 2.7, 0.006))
	fmt.Println(geo.ClassifyEmerging([]int{0, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 3.9, 0.0001))
	fmt.Println(geo.ClassifyEmerging([]int{1, 1, 1, 1, 1, 1, 1, 1, 1, 0}, -1.1, 0.27))
	// Output:
	// new_hot_spot
	// consecutive_hot_spot
	// intensifying_hot_spot
	// historical_hot_spot
}

// statsCube returns a cube of nSteps steps over cells: the cells within grid distance 1 of
// centre get cluster(t), the others background(i, t).
func statsCube(tb testing.TB, cells []h3.Cell, centre h3.Cell, nSteps int, cluster func(t int) float64, background func(i, t int) float64) [][]float64 {
	tb.Helper()
	ring, err := h3.GridDisk(centre, 1)
	if err != nil {
		tb.Fatal(err)
	}
	counts := make([][]float64, nSteps)
	for t := range counts {
		counts[t] = make([]float64, len(cells))
		for i, c := range cells {
			if slices.Contains(ring, c) {
				counts[t][i] = cluster(t)
			} else {
				counts[t][i] = background(i, t)
			}
		}
	}
	return counts
}

// statsBackground is a reproducible 0..2 background count.
func statsBackground(i, t int) float64 { return float64((i*7 + t*3) % 3) }

func TestEmergingEndToEnd(t *testing.T) {
	cells := statsPatch(t, 4, 10) // 61 cells at resolution 10
	centre := statsCentreCell(t, 10)
	tests := []struct {
		name       string
		cluster    func(t int) float64
		background func(i, t int) float64
		want       geo.EmergingCategory // of the centre
	}{
		{"new", func(t int) float64 {
			if t == 9 {
				return 15
			}
			return float64(t % 3)
		}, statsBackground, geo.CategoryNewHotSpot},
		{"consecutive", func(t int) float64 {
			if t >= 7 {
				return 15
			}
			return float64(t % 3)
		}, statsBackground, geo.CategoryConsecutiveHotSpot},
		{"intensifying", func(t int) float64 { return 12 + 3*float64(t) }, statsBackground, geo.CategoryIntensifyingHotSpot},
		{"persistent", func(int) float64 { return 10 }, statsBackground, geo.CategoryPersistentHotSpot},
		{"persistent cold", func(int) float64 { return 0 }, func(i, t int) float64 { return 10 + statsBackground(i, t) }, geo.CategoryPersistentColdSpot},
		{"constant", func(int) float64 { return 2 }, func(int, int) float64 { return 2 }, geo.CategoryNoPattern},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			counts := statsCube(t, cells, centre, 10, tc.cluster, tc.background)
			got, err := geo.Emerging(context.Background(), cells, counts, 1, 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(cells) {
				t.Fatalf("%d results for %d cells", len(got), len(cells))
			}
			for i, c := range got {
				if c.Cell != cells[i] {
					t.Fatalf("result %d is cell %s, want %s", i, c.Cell, cells[i])
				}
				if len(c.CountSeries) != 10 || len(c.ZSeries) != 10 || len(c.PSeries) != 10 || len(c.HotSeries) != 10 {
					t.Fatalf("cell %d: series lengths %d %d %d %d, want 10", i, len(c.CountSeries), len(c.ZSeries), len(c.PSeries), len(c.HotSeries))
				}
				var total float64
				for s := range 10 {
					total += counts[s][i]
					if c.CountSeries[s] != counts[s][i] {
						t.Errorf("cell %d step %d count %v, want %v", i, s, c.CountSeries[s], counts[s][i])
					}
					if !statsClose(c.PSeries[s], geo.TwoSidedP(c.ZSeries[s]), 1e-15) {
						t.Errorf("cell %d step %d p %v for z %v", i, s, c.PSeries[s], c.ZSeries[s])
					}
					if (c.HotSeries[s] > 0 && c.ZSeries[s] <= 0) || (c.HotSeries[s] < 0 && c.ZSeries[s] >= 0) {
						t.Errorf("cell %d step %d bin %d with z %v", i, s, c.HotSeries[s], c.ZSeries[s])
					}
				}
				if c.Count != total {
					t.Errorf("cell %d total %v, want %v", i, c.Count, total)
				}
				mk := geo.MannKendall(c.ZSeries)
				if c.TrendZ != mk.Z || c.TrendP != mk.P {
					t.Errorf("cell %d trend %v %v, want %v %v", i, c.TrendZ, c.TrendP, mk.Z, mk.P)
				}
				if want := geo.ClassifyEmerging(c.HotSeries, c.TrendZ, c.TrendP); c.Category != want {
					t.Errorf("cell %d category %s, ClassifyEmerging says %s", i, c.Category, want)
				}
				if c.Cell == centre && c.Category != tc.want {
					t.Errorf("centre is %s (bins %v, z %.2f, trend %.2f p %.3f), want %s",
						c.Category, c.HotSeries, c.ZSeries, c.TrendZ, c.TrendP, tc.want)
				}
				if d := statsGridDistance(t, centre, c.Cell); d >= 3 && c.Category != geo.CategoryNoPattern {
					t.Errorf("cell %d at distance %d from the cluster is %s (bins %v), want no_pattern", i, d, c.Category, c.HotSeries)
				}
			}
			// The significant bins of each step are exactly the BH discoveries at 0.10.
			for s := range 10 {
				p := make([]float64, len(got))
				for i, c := range got {
					p[i] = c.PSeries[s]
				}
				pass := geo.BenjaminiHochberg(p, geo.EmergingFDR)
				for i, c := range got {
					if (c.HotSeries[s] != 0) != pass[i] {
						t.Errorf("step %d cell %d: bin %d but BH says %v", s, i, c.HotSeries[s], pass[i])
					}
				}
			}
		})
	}
}

// TestEmergingMatchesGiStar checks the space-time Gi* against GiStar on an explicit
// space-time neighbour list over the flattened cube.
func TestEmergingMatchesGiStar(t *testing.T) {
	cells := statsPatch(t, 3, 11)
	centre := statsCentreCell(t, 11)
	const nSteps = 7
	counts := statsCube(t, cells, centre, nSteps, func(t int) float64 { return float64(t * t % 5) }, func(i, t int) float64 { return float64((i*5 + t*t) % 4) })
	n := len(cells)
	for _, k := range []int{0, 1, 2} {
		for _, lag := range []int{0, 1, 2, 6} {
			t.Run(fmt.Sprintf("k=%d lag=%d", k, lag), func(t *testing.T) {
				got, err := geo.Emerging(context.Background(), cells, counts, k, lag)
				if err != nil {
					t.Fatal(err)
				}
				space, err := geo.H3Neighbours(cells, k)
				if err != nil {
					t.Fatal(err)
				}
				flat := make([]float64, 0, n*nSteps)
				nb := make([][]int, 0, n*nSteps)
				for s := range nSteps {
					flat = append(flat, counts[s]...)
					for i := range n {
						var row []int
						for u := max(0, s-lag); u <= s; u++ {
							for _, j := range space[i] {
								row = append(row, u*n+j)
							}
						}
						nb = append(nb, row)
					}
				}
				z, err := geo.GiStar(flat, nb)
				if err != nil {
					t.Fatal(err)
				}
				for i, c := range got {
					for s := range nSteps {
						if !statsClose(c.ZSeries[s], z[s*n+i], 1e-9) {
							t.Fatalf("cell %d step %d: z %v, GiStar on the cube %v", i, s, c.ZSeries[s], z[s*n+i])
						}
					}
				}
			})
		}
	}
}

func TestEmergingErrors(t *testing.T) {
	cells := statsPatch(t, 1, 10)
	good := make([][]float64, 4)
	for s := range good {
		good[s] = make([]float64, len(cells))
	}
	short := slices.Clone(good)
	short[2] = short[2][1:]
	negative := [][]float64{make([]float64, len(cells)), make([]float64, len(cells))}
	negative[1][3] = -2
	tests := []struct {
		name    string
		cells   []h3.Cell
		counts  [][]float64
		k, lag  int
		wantErr bool
	}{
		{"ok", cells, good, 1, 1, false},
		{"lag 0", cells, good, 1, 0, false},
		{"k 0", cells, good, 0, 3, false},
		{"k too large", cells, good, geo.MaxNeighbourK + 1, 1, true},
		{"negative k", cells, good, -1, 1, true},
		{"negative lag", cells, good, 1, -1, true},
		{"lag reaches before the cube", cells, good, 1, 4, true},
		{"one step", cells, good[:1], 1, 0, true},
		{"one cell", cells[:1], [][]float64{{1}, {2}}, 1, 1, true},
		{"short step", cells, short, 1, 1, true},
		{"negative count", cells, negative, 1, 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := geo.Emerging(context.Background(), tc.cells, tc.counts, tc.k, tc.lag)
			if !tc.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var bad *geo.AnalysisInputError
			if !errors.As(err, &bad) {
				t.Errorf("error = %v, want an AnalysisInputError", err)
			}
		})
	}
}
