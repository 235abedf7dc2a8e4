package geo

import "math"

// TwoSidedP returns the two-sided p-value of a standard normal z-score, P(|Z| ≥ |z|), computed
// as erfc(|z|/√2) so that small p-values keep their precision. It returns 0 for an infinite z
// and NaN for a NaN z.
func TwoSidedP(z float64) float64 {
	return math.Erfc(math.Abs(z) / math.Sqrt2)
}
