package geo

import (
	"math"
	"slices"
)

// MannKendallResult is the outcome of a Mann-Kendall trend test.
type MannKendallResult struct {
	S   int     // Σ_{i<j} sign(x_j − x_i)
	Var float64 // variance of S under no trend, corrected for ties
	Z   float64 // continuity-corrected normal score of S
	P   float64 // two-sided p-value of Z
}

// MannKendall returns the Mann-Kendall trend test of the series x (oldest first) with the tie
// correction: S = Σ_{i<j} sign(x_j − x_i), Var(S) = [n(n−1)(2n+5) − Σ_p t_p(t_p−1)(2t_p+5)]/18
// over the groups of t_p equal values, Z = (S−1)/√Var when S > 0, (S+1)/√Var when S < 0 and 0
// when S = 0, and the two-sided normal p-value of Z. NaN values are left out. A series with no
// variance (fewer than 2 values, or all equal) gives Z = 0 and P = 1.
func MannKendall(x []float64) MannKendallResult {
	return mannKendall(x, nil)
}

// mannKendall is MannKendall with a scratch buffer that it may reuse for sorting.
func mannKendall(x, scratch []float64) MannKendallResult {
	v := scratch[:0]
	for _, xi := range x {
		if !math.IsNaN(xi) {
			v = append(v, xi)
		}
	}
	n := len(v)
	s := 0
	for i := range n {
		for j := i + 1; j < n; j++ {
			switch {
			case v[j] > v[i]:
				s++
			case v[j] < v[i]:
				s--
			}
		}
	}
	slices.Sort(v)
	nf := float64(n)
	variance := nf * (nf - 1) * (2*nf + 5)
	for i := 0; i < n; {
		j := i + 1
		for j < n && v[j] == v[i] {
			j++
		}
		if t := float64(j - i); t > 1 {
			variance -= t * (t - 1) * (2*t + 5)
		}
		i = j
	}
	variance /= 18
	r := MannKendallResult{S: s, Var: variance, P: 1}
	if variance <= 0 || s == 0 {
		return r
	}
	sd := math.Sqrt(variance)
	if s > 0 {
		r.Z = float64(s-1) / sd
	} else {
		r.Z = float64(s+1) / sd
	}
	r.P = TwoSidedP(r.Z)
	return r
}
