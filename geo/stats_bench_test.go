package geo_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/uber/h3-go/v4"
)

// statsBenchCells returns the first n cells of a GridDisk around statsCentre at resolution 10.
func statsBenchCells(b *testing.B, n int) []h3.Cell {
	b.Helper()
	k := 0
	for 3*k*(k+1)+1 < n {
		k++
	}
	return statsPatch(b, k, 10)[:n]
}

// statsBenchCounts returns n reproducible counts: mostly 0–2, with a few busy cells.
func statsBenchCounts(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	counts := make([]float64, n)
	for i := range counts {
		counts[i] = float64(rng.IntN(3))
		if rng.IntN(100) == 0 {
			counts[i] += float64(rng.IntN(20))
		}
	}
	return counts
}

func benchmarkHotspots(b *testing.B, k int) {
	cells := statsBenchCells(b, 100_000)
	counts := statsBenchCounts(len(cells), 1)
	for b.Loop() {
		// Hotspots includes the H3Neighbours lookup of every cell.
		if _, err := geo.Hotspots(cells, counts, k, 0.05); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHotspots100kK1 is Gi* with FDR on 100,000 cells at resolution 10, k = 1.
func BenchmarkHotspots100kK1(b *testing.B) { benchmarkHotspots(b, 1) }

// BenchmarkHotspots100kK2 is Gi* with FDR on 100,000 cells at resolution 10, k = 2.
func BenchmarkHotspots100kK2(b *testing.B) { benchmarkHotspots(b, 2) }

// BenchmarkEmerging10kx52 is the emerging hot spot analysis of 10,000 cells over 52 weekly
// steps, k = 1, time lag 1.
func BenchmarkEmerging10kx52(b *testing.B) {
	cells := statsBenchCells(b, 10_000)
	counts := make([][]float64, 52)
	for t := range counts {
		counts[t] = statsBenchCounts(len(cells), uint64(t+1))
	}
	for b.Loop() {
		if _, err := geo.Emerging(context.Background(), cells, counts, 1, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGiStar100kK2 is the Gi* z-scores alone of 100,000 cells with the k = 2 neighbour
// lists already built.
func BenchmarkGiStar100kK2(b *testing.B) {
	cells := statsBenchCells(b, 100_000)
	counts := statsBenchCounts(len(cells), 1)
	nb, err := geo.H3Neighbours(cells, 2)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := geo.GiStar(counts, nb); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkH3Neighbours100kK2 is the neighbour lookup alone of 100,000 cells, k = 2.
func BenchmarkH3Neighbours100kK2(b *testing.B) {
	cells := statsBenchCells(b, 100_000)
	for b.Loop() {
		if _, err := geo.H3Neighbours(cells, 2); err != nil {
			b.Fatal(err)
		}
	}
}
