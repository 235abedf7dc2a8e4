package api_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
)

// The problems of scripts/bench-stats. The same cells and counts are timed here and, through the
// files BenchmarkStatsProblemsForR writes, in R's spdep (scripts/stats-spdep-bench.R).

// statsBenchCells returns the first n cells of the GridDisk around Sông Công at resolution 10:
// a hexagonal patch of about n·0.015 km².
func statsBenchCells(tb testing.TB, n int) []h3.Cell {
	tb.Helper()
	centre, err := h3.LatLngToCell(h3.NewLatLng(21.47, 105.85), 10)
	if err != nil {
		tb.Fatal(err)
	}
	k := 0
	for 3*k*(k+1)+1 < n {
		k++
	}
	disk, err := h3.GridDisk(centre, k)
	if err != nil {
		tb.Fatal(err)
	}
	return disk[:n]
}

// statsBenchCounts returns n reproducible incident counts: mostly 0–2, a few busy cells.
func statsBenchCounts(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 11))
	x := make([]float64, n)
	for i := range x {
		x[i] = float64(rng.IntN(3))
		if rng.IntN(100) == 0 {
			x[i] += float64(rng.IntN(20))
		}
	}
	return x
}

// statsBenchCube returns the emerging problem: 10,000 cells × 52 weekly counts.
func statsBenchCube(tb testing.TB) ([]h3.Cell, [][]float64) {
	cells := statsBenchCells(tb, 10_000)
	counts := make([][]float64, 52)
	for t := range counts {
		counts[t] = statsBenchCounts(len(cells), uint64(100+t))
	}
	return cells, counts
}

// statsBenchProblem is one single-step Gi* problem given to both sides.
type statsBenchProblem struct {
	name  string
	cells []h3.Cell
	x     []float64
	k     int
}

func statsBenchProblems(tb testing.TB) []statsBenchProblem {
	big := statsBenchCells(tb, 100_000)
	bigX := statsBenchCounts(len(big), 1)
	cubeCells, cube := statsBenchCube(tb)
	return []statsBenchProblem{
		{"gi_100k_k1", big, bigX, 1},
		{"gi_100k_k2", big, bigX, 2},
		{"step_10k_k1", cubeCells, cube[len(cube)-1], 1}, // one week of the emerging cube
	}
}

// BenchmarkStatsProblemsForR writes the benchmark problems for R when PATROLMAP_STATS_BENCH_DIR is
// set: per problem a folder with x.txt (one count per line), nb.txt (the 1-based indices of each
// cell's neighbours from geo.H3Neighbours, itself excluded, one line per cell) and z.txt (our
// Gi* z-scores, for R to compare). The space-time problem is the emerging cube as one Gi* over
// its 520,000 bins, whose z-scores are those of geo.Emerging.
func BenchmarkStatsProblemsForR(b *testing.B) {
	var t testing.TB = b
	dir := os.Getenv("PATROLMAP_STATS_BENCH_DIR")
	if dir == "" {
		t.Skip("PATROLMAP_STATS_BENCH_DIR is not set; scripts/bench-stats sets it")
	}
	for _, pr := range statsBenchProblems(t) {
		nb, err := geo.H3Neighbours(pr.cells, pr.k)
		if err != nil {
			t.Fatal(err)
		}
		z, err := geo.GiStar(pr.x, nb)
		if err != nil {
			t.Fatal(err)
		}
		statsBenchWrite(t, filepath.Join(dir, pr.name), pr.x, nb, z)
	}

	// The space-time cube: bin t·n+i is cell i in week t; its neighbours are the cells of
	// GridDisk(1) in weeks t and t−1 (time lag 1), itself included.
	cells, cube := statsBenchCube(t)
	n := len(cells)
	nb, err := geo.H3Neighbours(cells, 1)
	if err != nil {
		t.Fatal(err)
	}
	em, err := geo.Emerging(context.Background(), cells, cube, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, 0, n*len(cube))
	z := make([]float64, 0, n*len(cube))
	stnb := make([][]int, 0, n*len(cube))
	for step, row := range cube {
		x = append(x, row...)
		for i := range cells {
			z = append(z, em[i].ZSeries[step])
			var bins []int
			for s := max(0, step-1); s <= step; s++ {
				for _, j := range nb[i] {
					bins = append(bins, s*n+j)
				}
			}
			stnb = append(stnb, bins)
		}
	}
	statsBenchWrite(t, filepath.Join(dir, "spacetime_10k_x52_k1_lag1"), x, stnb, z)
}

// statsBenchWrite writes one problem's folder for R.
func statsBenchWrite(t testing.TB, sub string, x []float64, nb [][]int, z []float64) {
	t.Helper()
	var xs, nbs, zs strings.Builder
	for i, row := range nb {
		xs.WriteString(strconv.FormatFloat(x[i], 'g', -1, 64) + "\n")
		zs.WriteString(strconv.FormatFloat(z[i], 'g', -1, 64) + "\n")
		first := true
		for _, j := range row {
			if j == i {
				continue
			}
			if !first {
				nbs.WriteByte(' ')
			}
			nbs.WriteString(strconv.Itoa(j + 1))
			first = false
		}
		nbs.WriteByte('\n')
	}
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"x.txt": xs.String(), "nb.txt": nbs.String(), "z.txt": zs.String()} {
		if err := os.WriteFile(filepath.Join(sub, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// benchmarkStatsGiStar times what spdep is timed on: from cells and counts to z-scores, the H3
// neighbour lookup included.
func benchmarkStatsGiStar(b *testing.B, pr statsBenchProblem) {
	for b.Loop() {
		nb, err := geo.H3Neighbours(pr.cells, pr.k)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := geo.GiStar(pr.x, nb); err != nil {
			b.Fatal(err)
		}
	}
}

// statsBenchCache holds the problems across benchmarks; building them takes longer than some
// of the benchmarks themselves.
var statsBenchCache struct {
	once     sync.Once
	problems []statsBenchProblem
}

func statsBenchProblemNamed(b *testing.B, name string) statsBenchProblem {
	statsBenchCache.once.Do(func() { statsBenchCache.problems = statsBenchProblems(b) })
	for _, pr := range statsBenchCache.problems {
		if pr.name == name {
			return pr
		}
	}
	b.Fatalf("no problem %s", name)
	return statsBenchProblem{}
}

// BenchmarkStatsGiStar100kK1 is H3Neighbours + GiStar over 100,000 cells, k = 1.
func BenchmarkStatsGiStar100kK1(b *testing.B) {
	benchmarkStatsGiStar(b, statsBenchProblemNamed(b, "gi_100k_k1"))
}

// BenchmarkStatsGiStar100kK2 is H3Neighbours + GiStar over 100,000 cells, k = 2.
func BenchmarkStatsGiStar100kK2(b *testing.B) {
	benchmarkStatsGiStar(b, statsBenchProblemNamed(b, "gi_100k_k2"))
}

// BenchmarkStatsGiStarStep10kK1 is one step of the emerging problem as a plain Gi*.
func BenchmarkStatsGiStarStep10kK1(b *testing.B) {
	benchmarkStatsGiStar(b, statsBenchProblemNamed(b, "step_10k_k1"))
}

// BenchmarkStatsHotspots100kK1 is the whole hot spot analysis: z, p, FDR and classes.
func BenchmarkStatsHotspots100kK1(b *testing.B) {
	pr := statsBenchProblemNamed(b, "gi_100k_k1")
	for b.Loop() {
		if _, err := geo.Hotspots(pr.cells, pr.x, 1, 0.05); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStatsHotspots100kK2 is the whole hot spot analysis with k = 2.
func BenchmarkStatsHotspots100kK2(b *testing.B) {
	pr := statsBenchProblemNamed(b, "gi_100k_k2")
	for b.Loop() {
		if _, err := geo.Hotspots(pr.cells, pr.x, 2, 0.05); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStatsEmerging10kx52 is the whole emerging analysis of 10,000 cells × 52 weeks, k = 1,
// time lag 1: space-time Gi*, FDR per step, Mann-Kendall and the categories.
func BenchmarkStatsEmerging10kx52(b *testing.B) {
	cells, cube := statsBenchCube(b)
	for b.Loop() {
		if _, err := geo.Emerging(context.Background(), cells, cube, 1, 1); err != nil {
			b.Fatal(err)
		}
	}
}
