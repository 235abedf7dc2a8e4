package geo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/uber/h3-go/v4"
)

// AnalysisInputError is the error, possibly wrapped, that Hotspots, Emerging, ForecastCheck,
// GiStar, GiStarPermutation and H3Neighbours return for bad input (lengths, k, alpha, time lag,
// values, cells), so that callers can tell a bad request from a failure with errors.As.
type AnalysisInputError struct {
	Msg string
}

// Error returns the message.
func (e *AnalysisInputError) Error() string { return e.Msg }

// badInput returns an *AnalysisInputError with a formatted message.
func badInput(format string, args ...any) error {
	return &AnalysisInputError{Msg: fmt.Sprintf(format, args...)}
}

// stopped returns nil while ctx is live, else its error wrapped with what stopped: the heavy
// loops call it between units of work, so that a request whose client hung up or whose time
// ran out stops burning a core.
func stopped(ctx context.Context, what string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("geo: %s stopped: %w", what, err)
	}
	return nil
}

// MaxNeighbourK is the largest H3 grid distance k that Hotspots, Emerging and ForecastCheck
// accept for their GridDisk neighbourhoods.
const MaxNeighbourK = 5

// permStream is the fixed PCG stream used with the caller's seed by GiStarPermutation.
const permStream = 0x9e3779b97f4a7c15

// permTolerance is how much smaller than the observed |z| a permuted |z| may be and still count
// as at least as extreme, so that rounding in the sums does not break ties.
const permTolerance = 1e-9

// HotspotCell is the Gi* result of one study-area cell.
type HotspotCell struct {
	Cell        h3.Cell
	Count       float64 // the cell's value (incident count)
	Z           float64 // Gi* z-score
	P           float64 // two-sided normal p-value of Z
	Significant bool    // passes Benjamini-Hochberg at the requested alpha
	Confidence  int     // 99, 95, 90 (Benjamini-Hochberg at 0.01, 0.05, 0.10) or 0
	Class       string  // "hot" or "cold" by the sign of Z when Confidence > 0, else "none"
}

// Hotspot classes used in HotspotCell.Class.
const (
	ClassHot  = "hot"
	ClassCold = "cold"
	ClassNone = "none"
)

// Hotspots returns the Getis-Ord Gi* hot spot analysis of counts over the study-area cells:
// neighbourhood = the cells of GridDisk(cell, k) that are in cells (the cell itself included),
// binary weights, mean and standard deviation over all cells (zero counts included), two-sided
// normal p-values, Benjamini-Hochberg FDR. The result is in the order of cells. k must be in
// 0..MaxNeighbourK, alpha in (0, 1), counts finite and non-negative, one per cell, and there must
// be at least 2 cells; when all counts are equal every z is 0 and every p is 1. For conditional
// permutation p-values, pass the counts and H3Neighbours(cells, k) to GiStarPermutation.
func Hotspots(cells []h3.Cell, counts []float64, k int, alpha float64) ([]HotspotCell, error) {
	if err := checkAnalysisInput(cells, k); err != nil {
		return nil, fmt.Errorf("geo: hotspots: %w", err)
	}
	if !(alpha > 0 && alpha < 1) {
		return nil, badInput("geo: hotspots: alpha %v is not in (0, 1)", alpha)
	}
	if len(counts) != len(cells) {
		return nil, badInput("geo: hotspots: %d counts for %d cells", len(counts), len(cells))
	}
	if err := checkCounts(counts); err != nil {
		return nil, fmt.Errorf("geo: hotspots: %w", err)
	}
	nb, err := h3Neighbours(cells, k)
	if err != nil {
		return nil, fmt.Errorf("geo: hotspots: %w", err)
	}
	z, err := giStar(counts, nb)
	if err != nil {
		return nil, fmt.Errorf("geo: hotspots: %w", err)
	}
	p := make([]float64, len(z))
	for i, v := range z {
		p[i] = TwoSidedP(v)
	}
	sorted := bhSorted(p)
	conf := confidenceSorted(p, sorted)
	sig := benjaminiHochbergSorted(p, sorted, alpha)
	out := make([]HotspotCell, len(cells))
	for i, c := range cells {
		class := ClassNone
		switch {
		case conf[i] > 0 && z[i] > 0:
			class = ClassHot
		case conf[i] > 0 && z[i] < 0:
			class = ClassCold
		}
		out[i] = HotspotCell{Cell: c, Count: counts[i], Z: z[i], P: p[i], Significant: sig[i], Confidence: conf[i], Class: class}
	}
	return out, nil
}

// GiStar returns the Getis-Ord Gi* z-score (Ord & Getis 1995) of every value of x with binary
// weights, where nb[i] lists the indices j with w_ij = 1; for Gi* the caller includes i itself in
// nb[i], as H3Neighbours does:
//
//	Gi*_i = (Σ_j w_ij x_j − x̄ W_i) / (S · sqrt((n S1_i − W_i²)/(n−1)))
//
// with x̄ = Σx/n, S = sqrt(Σx²/n − x̄²) (computed in two passes), W_i = Σ_j w_ij and
// S1_i = Σ_j w_ij². When all values are equal (S = 0) or the denominator is 0 (no neighbours, or
// every cell a neighbour) the z-score is 0, never NaN. It fails when len(nb) != len(x), there are
// fewer than 2 values, a value is not finite, or an index is out of range or repeated in a row.
// The work is linear in the total length of nb.
func GiStar(x []float64, nb [][]int) ([]float64, error) {
	z, err := giStar(x, nb)
	if err != nil {
		return nil, fmt.Errorf("geo: gi*: %w", err)
	}
	return z, nil
}

// giStar is GiStar with unprefixed errors.
func giStar(x []float64, nb [][]int) ([]float64, error) {
	m, err := newGiMoments(x, nb)
	if err != nil {
		return nil, err
	}
	z := make([]float64, len(x))
	for i, row := range nb {
		var sum float64
		for _, j := range row {
			sum += x[j]
		}
		w := float64(len(row))
		z[i] = m.z(sum, w, w)
	}
	return z, nil
}

// GiStarPermutation returns conditional permutation pseudo p-values for the Gi* z-scores of
// GiStar(x, nb). For cell i, x_i is held fixed (when i is in nb[i]) and the other |nb[i]|−1
// neighbour values are drawn without replacement from the other n−1 values, draws times. The
// test is two-sided on |z|: M counts the draws whose |z| is at least the observed |z| (within
// 1e-9), and the pseudo p-value is (M+1)/(draws+1), so it lies in [1/(draws+1), 1]; it is 1 when
// the z-score is undefined (all values equal or a zero denominator). x̄, S, W_i and S1_i do not
// change under the permutation, so |z| compares like |Σ_j x_j − x̄ W_i|. The result is
// deterministic for a seed (math/rand/v2 PCG with the seed and a fixed stream, cells visited in
// order). PySAL's esda folds a one-sided count instead (the smaller tail); this two-sided count is
// comparable with TwoSidedP. It stops, returning ctx's error wrapped, soon after ctx ends (it
// checks between cells; one cell costs draws × |nb[i]| draws of a random index).
func GiStarPermutation(ctx context.Context, x []float64, nb [][]int, draws int, seed int64) ([]float64, error) {
	if draws < 1 {
		return nil, badInput("geo: gi* permutation: draws %d < 1", draws)
	}
	m, err := newGiMoments(x, nb)
	if err != nil {
		return nil, fmt.Errorf("geo: gi* permutation: %w", err)
	}
	n := len(x)
	rng := rand.New(rand.NewPCG(uint64(seed), permStream))
	// pool is a permutation of 0..n-1 and pos its inverse. For cell i the index i is moved to
	// the last slot, and a partial Fisher-Yates shuffle over the first n-1 slots draws a sample
	// without replacement from the other values. Any arrangement of the pool is a valid start, so
	// it is never reset.
	pool := make([]int, n)
	pos := make([]int, n)
	for i := range pool {
		pool[i], pos[i] = i, i
	}
	swap := func(a, b int) {
		pool[a], pool[b] = pool[b], pool[a]
		pos[pool[a]], pos[pool[b]] = a, b
	}
	p := make([]float64, n)
	for i, row := range nb {
		if err := stopped(ctx, "gi* permutation"); err != nil {
			return nil, err
		}
		w := float64(len(row))
		den := m.den(w, w)
		var obs, held float64
		others := 0
		for _, j := range row {
			obs += x[j]
			if j == i {
				held = x[i]
			} else {
				others++
			}
		}
		if den == 0 || others == 0 {
			p[i] = 1
			continue
		}
		expected := m.mean * w
		limit := math.Abs(obs-expected)/den - permTolerance
		swap(pos[i], n-1)
		extreme := 0
		for range draws {
			sum := held
			for a := range others {
				swap(a, a+rng.IntN(n-1-a))
				sum += x[pool[a]]
			}
			if math.Abs(sum-expected)/den >= limit {
				extreme++
			}
		}
		p[i] = float64(extreme+1) / float64(draws+1)
	}
	return p, nil
}

// H3Neighbours returns, for every cell, the indices into cells of the cells of GridDisk(cell, k)
// that are in cells, the cell itself included, sorted ascending. Cells outside the study area are
// not neighbours. The cells must be valid, distinct and of one resolution, and k ≥ 0.
func H3Neighbours(cells []h3.Cell, k int) ([][]int, error) {
	nb, err := h3Neighbours(cells, k)
	if err != nil {
		return nil, fmt.Errorf("geo: h3 neighbours: %w", err)
	}
	return nb, nil
}

// h3Neighbours is H3Neighbours with unprefixed errors.
func h3Neighbours(cells []h3.Cell, k int) ([][]int, error) {
	if k < 0 {
		return nil, badInput("k %d < 0", k)
	}
	index := make(map[h3.Cell]int32, len(cells))
	res := 0
	for i, c := range cells {
		if !c.IsValid() {
			return nil, badInput("cell %d (%s) is not a valid H3 cell", i, c)
		}
		// The resolution is bits 52–55 of an H3 index; reading them here spares a cgo call
		// per cell (c.Resolution() reads the same bits in C).
		if r := int(uint64(c)>>52) & 0xf; i == 0 {
			res = r
		} else if r != res {
			return nil, badInput("cell %d (%s) has resolution %d, cell 0 has %d", i, c, r, res)
		}
		if j, dup := index[c]; dup {
			return nil, badInput("cell %s repeated at %d and %d", c, j, i)
		}
		index[c] = int32(i)
	}
	// One backing array for all rows: a disk has at most 3k(k+1)+1 cells.
	flat := make([]int, 0, len(cells)*(3*k*(k+1)+1))
	nb := make([][]int, len(cells))
	// The disks are computed in batches with h3's fast algorithm, which gives up near a
	// pentagon; such a batch is redone cell by cell with GridDisk, which is always right.
	const batchSize = 1024
	for lo := 0; lo < len(cells); lo += batchSize {
		batch := cells[lo:min(lo+batchSize, len(cells))]
		disks, err := h3.GridDisksUnsafe(batch, k)
		if err != nil {
			disks = nil
		}
		for b, c := range batch {
			var disk []h3.Cell
			if disks != nil {
				disk = disks[b]
			} else if disk, err = h3.GridDisk(c, k); err != nil {
				return nil, fmt.Errorf("grid disk of %s: %w", c, err)
			}
			start := len(flat)
			for _, d := range disk {
				if j, ok := index[d]; ok {
					flat = append(flat, int(j))
				}
			}
			row := flat[start:len(flat):len(flat)]
			slices.Sort(row)
			nb[lo+b] = row
		}
	}
	return nb, nil
}

// giMoments holds what Gi* needs of the whole data set: n, the mean and the population standard
// deviation (0 when all values are equal).
type giMoments struct {
	n, mean, sd float64
}

// newGiMoments checks x and nb and returns the moments of x; its errors are unprefixed.
func newGiMoments(x []float64, nb [][]int) (giMoments, error) {
	if len(nb) != len(x) {
		return giMoments{}, badInput("%d neighbour lists for %d values", len(nb), len(x))
	}
	if len(x) < 2 {
		return giMoments{}, badInput("%d values, need at least 2", len(x))
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return giMoments{}, badInput("value %d is %v", i, v)
		}
	}
	if err := checkNeighbourLists(len(x), nb); err != nil {
		return giMoments{}, err
	}
	return giMomentsOf(x), nil
}

// giMomentsOf returns the moments of finite values, in two passes for accuracy.
func giMomentsOf(x []float64) giMoments {
	n := float64(len(x))
	var sum float64
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range x {
		sum += v
		lo, hi = min(lo, v), max(hi, v)
	}
	mean := sum / n
	if lo == hi {
		return giMoments{n: n, mean: mean}
	}
	var ss float64
	for _, v := range x {
		d := v - mean
		ss += d * d
	}
	return giMoments{n: n, mean: mean, sd: math.Sqrt(ss / n)}
}

// den returns the Gi* denominator S·sqrt((n S1 − W²)/(n−1)) for a cell with weight sum w and
// squared weight sum s1, and 0 when it is undefined.
func (m giMoments) den(w, s1 float64) float64 {
	if m.sd == 0 {
		return 0
	}
	v := (m.n*s1 - w*w) / (m.n - 1)
	if !(v > 0) {
		return 0
	}
	return m.sd * math.Sqrt(v)
}

// z returns the Gi* z-score of a cell whose weighted neighbour sum is sum, or 0 when the
// denominator is 0.
func (m giMoments) z(sum, w, s1 float64) float64 {
	d := m.den(w, s1)
	if d == 0 {
		return 0
	}
	return (sum - m.mean*w) / d
}

// checkNeighbourLists reports an index out of [0, n) or repeated within one row.
func checkNeighbourLists(n int, nb [][]int) error {
	seen := make([]int, n) // seen[j] == i+1 when j is already in row i
	for i, row := range nb {
		for _, j := range row {
			if j < 0 || j >= n {
				return badInput("neighbour %d of %d is out of range [0, %d)", j, i, n)
			}
			if seen[j] == i+1 {
				return badInput("neighbour %d of %d is repeated", j, i)
			}
			seen[j] = i + 1
		}
	}
	return nil
}

// checkAnalysisInput checks what Hotspots, Emerging and ForecastCheck share: k and the number of
// cells.
func checkAnalysisInput(cells []h3.Cell, k int) error {
	if k < 0 || k > MaxNeighbourK {
		return badInput("k %d is not in 0..%d", k, MaxNeighbourK)
	}
	if len(cells) < 2 {
		return badInput("%d cells, need at least 2", len(cells))
	}
	return nil
}

// checkCounts reports a count that is negative, NaN or infinite.
func checkCounts(counts []float64) error {
	for i, v := range counts {
		if !(v >= 0) || math.IsInf(v, 1) {
			return badInput("count %d is %v, want a finite non-negative number", i, v)
		}
	}
	return nil
}
