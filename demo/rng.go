package demo

import (
	"math"
	"math/rand/v2"
)

// Random streams. Each part of the demo draws from its own PCG stream, derived from the seed,
// the day and the stream's key, so a part can be re-derived alone (one officer's night) and a
// change in one part leaves the others as they were.
const (
	streamSchedule uint64 = 1 + iota
	streamIncidents
	streamCluster
	streamFixes
)

// splitmix64 is the SplitMix64 finaliser, a bijective 64-bit mixer.
func splitmix64(v uint64) uint64 {
	v += 0x9e3779b97f4a7c15
	v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9
	v = (v ^ (v >> 27)) * 0x94d049bb133111eb
	return v ^ (v >> 31)
}

// newRand returns the generator of one stream for a seed and day number, with two more keys
// (an officer and a night, say).
func newRand(seed int64, day int64, stream, a, b uint64) *rand.Rand {
	s1 := splitmix64(uint64(seed) ^ splitmix64(uint64(day)^splitmix64(stream)))
	s2 := splitmix64(s1 ^ splitmix64(a<<20^b^splitmix64(stream<<7)))
	return rand.New(rand.NewPCG(s1, s2))
}

// uniform draws from [lo, hi).
func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// gaussianVec draws a plane displacement with independent normal components of deviation sd.
func gaussianVec(r *rand.Rand, sd float64) vec {
	return vec{r.NormFloat64() * sd, r.NormFloat64() * sd}
}

// pickWeighted draws an index with probability proportional to w.
func pickWeighted(r *rand.Rand, w []float64) int {
	total := 0.0
	for _, v := range w {
		total += v
	}
	u := r.Float64() * total
	for i, v := range w {
		if u < v {
			return i
		}
		u -= v
	}
	return len(w) - 1
}

// bearing is the compass direction of d in degrees, 0 = north, clockwise, in [0, 360).
func bearing(d vec) float64 {
	b := math.Atan2(d.x, d.y) * 180 / math.Pi
	if b < 0 {
		b += 360
	}
	return b
}
