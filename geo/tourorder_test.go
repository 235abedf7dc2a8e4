package geo

import (
	"math"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

func TestRandomTourOrder(t *testing.T) {
	// Eight stops on a ring of about 1 km radius around the start, and the start itself.
	pts := []orb.Point{{105.85, 21.47}}
	for k := range 8 {
		a := float64(k) * math.Pi / 4
		pts = append(pts, orb.Point{105.85 + 0.0097*math.Cos(a), 21.47 + 0.009*math.Sin(a)})
	}
	dist := StraightDistances(pts)
	shortest, err := PlanTour(dist, TourOptions{Start: 0, Closed: true})
	if err != nil {
		t.Fatal(err)
	}
	targets := func(o []int) []int { c := slices.Clone(o[1 : len(o)-1]); slices.Sort(c); return c }

	t.Run("reproducible, different, same stops, no limit", func(t *testing.T) {
		a, la, ok := RandomTourOrder(dist, shortest, true, 0, 42)
		b, lb, _ := RandomTourOrder(dist, shortest, true, 0, 42)
		c, _, _ := RandomTourOrder(dist, shortest, true, 0, 43)
		if !ok || !slices.Equal(a, b) || la != lb {
			t.Fatalf("seed 42 gave %v then %v (ok %v)", a, b, ok)
		}
		if slices.Equal(a, c) {
			t.Errorf("seeds 42 and 43 gave the same order %v", a)
		}
		if slices.Equal(a, shortest.Order) || a[0] != 0 || a[len(a)-1] != 0 || !slices.Equal(targets(a), targets(shortest.Order)) {
			t.Errorf("random %v vs shortest %v", a, shortest.Order)
		}
		if la < shortest.Length || math.Abs(la-orderLength(dist, a)) > 1e-6 {
			t.Errorf("length %.0f, shortest %.0f", la, shortest.Length)
		}
	})
	t.Run("within a limit a little over the shortest", func(t *testing.T) {
		limit := shortest.Length * 1.15
		for seed := int64(0); seed < 20; seed++ {
			o, l, ok := RandomTourOrder(dist, shortest, true, limit, seed)
			if !ok {
				t.Fatalf("seed %d found no order within %.0f m (shortest %.0f)", seed, limit, shortest.Length)
			}
			rev := slices.Clone(shortest.Order)
			slices.Reverse(rev[1 : len(rev)-1])
			if l > limit || slices.Equal(o, shortest.Order) || slices.Equal(o, rev) {
				t.Errorf("seed %d: %v length %.0f over %.0f, or the shortest", seed, o, l, limit)
			}
		}
	})
	t.Run("no other order fits", func(t *testing.T) {
		o, l, ok := RandomTourOrder(dist, shortest, true, shortest.Length, 1)
		if ok && l > shortest.Length*(1+1e-9) {
			t.Fatalf("order %v of %.0f over the limit", o, l)
		}
		two := Tour{Order: []int{0, 1, 0}, Length: orderLength(dist, []int{0, 1, 0})}
		if o, _, ok := RandomTourOrder(dist, two, true, 0, 1); ok || !slices.Equal(o, two.Order) {
			t.Errorf("one target: %v ok %v", o, ok)
		}
	})
	t.Run("two targets: the other order is the reverse", func(t *testing.T) {
		tour := Tour{Order: []int{0, 1, 2, 0}, Length: orderLength(dist, []int{0, 1, 2, 0})}
		o, _, ok := RandomTourOrder(dist, tour, true, 0, 5)
		if !ok || !slices.Equal(o, []int{0, 2, 1, 0}) {
			t.Errorf("got %v ok %v", o, ok)
		}
	})
}
