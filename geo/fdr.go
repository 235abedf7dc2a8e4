package geo

import (
	"math"
	"slices"
)

// Confidence levels reported by Confidence, with the false discovery rates they stand for.
const (
	Confidence99 = 99 // passes Benjamini-Hochberg at 0.01
	Confidence95 = 95 // passes Benjamini-Hochberg at 0.05
	Confidence90 = 90 // passes Benjamini-Hochberg at 0.10
)

// BenjaminiHochberg returns, for every p-value, whether it is a discovery under the
// Benjamini-Hochberg step-up procedure at false discovery rate alpha: with the m non-NaN p-values
// sorted ascending, k is the largest rank with p_(k)·m/k ≤ alpha, and every p-value ≤ p_(k) passes
// (so tied p-values pass or fail together). This is p.adjust(p, "BH") ≤ alpha in R. NaN p-values
// never pass and are not counted in m; a NaN or non-positive alpha passes nothing.
func BenjaminiHochberg(p []float64, alpha float64) []bool {
	return benjaminiHochbergSorted(p, bhSorted(p), alpha)
}

// benjaminiHochbergSorted is BenjaminiHochberg given sorted = bhSorted(p).
func benjaminiHochbergSorted(p, sorted []float64, alpha float64) []bool {
	pass := make([]bool, len(p))
	cut, ok := bhThreshold(sorted, alpha)
	if !ok {
		return pass
	}
	for i, v := range p {
		pass[i] = v <= cut // false for NaN
	}
	return pass
}

// Confidence returns, for every p-value, 99, 95 or 90 when it passes Benjamini-Hochberg at a
// false discovery rate of 0.01, 0.05 or 0.10 respectively (the highest that holds), and 0
// otherwise, like the Gi_Bin field of ArcGIS's Hot Spot Analysis with the FDR correction.
// NaN p-values get 0.
func Confidence(p []float64) []int {
	return confidenceSorted(p, bhSorted(p))
}

// confidenceSorted is Confidence given sorted = bhSorted(p).
func confidenceSorted(p, sorted []float64) []int {
	levels := [...]struct {
		alpha float64
		level int
	}{{0.01, Confidence99}, {0.05, Confidence95}, {0.10, Confidence90}}
	var cuts [len(levels)]float64
	var oks [len(levels)]bool
	for l, lv := range levels {
		cuts[l], oks[l] = bhThreshold(sorted, lv.alpha)
	}
	conf := make([]int, len(p))
	for i, v := range p {
		for l, lv := range levels {
			if oks[l] && v <= cuts[l] {
				conf[i] = lv.level
				break
			}
		}
	}
	return conf
}

// bhSorted returns the non-NaN p-values sorted ascending.
func bhSorted(p []float64) []float64 {
	sorted := make([]float64, 0, len(p))
	for _, v := range p {
		if !math.IsNaN(v) {
			sorted = append(sorted, v)
		}
	}
	slices.Sort(sorted)
	return sorted
}

// bhThreshold returns the largest sorted p-value p_(k) with p_(k)·m/k ≤ alpha, and false when
// there is none.
func bhThreshold(sorted []float64, alpha float64) (float64, bool) {
	if !(alpha > 0) {
		return 0, false
	}
	m := float64(len(sorted))
	for k := len(sorted); k >= 1; k-- {
		if sorted[k-1]*(m/float64(k)) <= alpha {
			return sorted[k-1], true
		}
	}
	return 0, false
}
