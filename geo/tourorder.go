package geo

import (
	"math"
	"math/rand/v2"
	"slices"
)

// randomTourTries bounds the shuffles RandomTourOrder makes before it tries swaps.
const randomTourTries = 500

// tourStream is the fixed PCG stream RandomTourOrder uses with the caller's seed.
const tourStream = 0x2545f4914f6cdd1d

// RandomTourOrder returns the nodes of tour in another order, for patrols that must not be
// predictable: the same start (first, and last again for a closed tour) and the same targets,
// in an order drawn from seed (the same seed gives the same order) whose length along dist
// stays within maxLength (0: no bound) and that differs from tour.Order and, for a closed tour
// of more than two targets, from its reverse (the same round driven backwards).
//
// It shuffles the targets up to randomTourTries times and takes the first order that fits; when
// none does, it makes random swaps of two targets in the given order and keeps the first that
// fits. ok is false, and tour.Order is returned unchanged, when no other order is found (fewer
// than two targets, or a limit that only the given order meets).
func RandomTourOrder(dist [][]float64, tour Tour, closed bool, maxLength float64, seed int64) (order []int, length float64, ok bool) {
	n := len(tour.Order)
	inner := tour.Order[1:]
	if closed && n > 1 {
		inner = tour.Order[1 : n-1]
	}
	if len(inner) < 2 {
		return tour.Order, tour.Length, false
	}
	fits := func(o []int) (float64, bool) {
		l := orderLength(dist, o)
		if math.IsInf(l, 0) || math.IsNaN(l) {
			return l, false
		}
		return l, maxLength <= 0 || l <= maxLength*(1+1e-9)
	}
	// A closed tour driven backwards is the same round; with two targets it is the only other.
	reverse := slices.Clone(tour.Order)
	if closed && len(inner) > 2 {
		slices.Reverse(reverse[1 : n-1])
	}
	differs := func(o []int) bool { return !slices.Equal(o, tour.Order) && !slices.Equal(o, reverse) }
	rng := rand.New(rand.NewPCG(uint64(seed), tourStream))
	build := func(targets []int) []int {
		o := append([]int{tour.Order[0]}, targets...)
		if closed {
			o = append(o, tour.Order[0])
		}
		return o
	}
	for range randomTourTries {
		targets := slices.Clone(inner)
		rng.Shuffle(len(targets), func(i, j int) { targets[i], targets[j] = targets[j], targets[i] })
		o := build(targets)
		if l, ok := fits(o); ok && differs(o) {
			return o, l, true
		}
	}
	// Near a tight limit: swaps of two targets in the given order, in a seeded order.
	var pairs [][2]int
	for i := range inner {
		for j := i + 1; j < len(inner); j++ {
			pairs = append(pairs, [2]int{i, j})
		}
	}
	rng.Shuffle(len(pairs), func(a, b int) { pairs[a], pairs[b] = pairs[b], pairs[a] })
	for _, p := range pairs {
		targets := slices.Clone(inner)
		targets[p[0]], targets[p[1]] = targets[p[1]], targets[p[0]]
		o := build(targets)
		if l, ok := fits(o); ok && differs(o) {
			return o, l, true
		}
	}
	return tour.Order, tour.Length, false
}

// orderLength sums dist along the order.
func orderLength(dist [][]float64, order []int) float64 {
	l := 0.0
	for k := 1; k < len(order); k++ {
		l += dist[order[k-1]][order[k]]
	}
	return l
}
