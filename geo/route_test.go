package geo_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
)

// planeMatrix returns the Euclidean distance matrix of points in a plane.
func planeMatrix(pts [][2]float64) [][]float64 {
	out := make([][]float64, len(pts))
	for i, a := range pts {
		out[i] = make([]float64, len(pts))
		for j, b := range pts {
			out[i][j] = math.Hypot(a[0]-b[0], a[1]-b[1])
		}
	}
	return out
}

// bruteForce returns the shortest closed tour through every node from node 0.
func bruteForce(d [][]float64) float64 {
	rest := make([]int, 0, len(d)-1)
	for i := 1; i < len(d); i++ {
		rest = append(rest, i)
	}
	best := math.Inf(1)
	var permute func(k int)
	permute = func(k int) {
		if k == len(rest) {
			l, prev := 0.0, 0
			for _, c := range rest {
				l += d[prev][c]
				prev = c
			}
			l += d[prev][0]
			best = math.Min(best, l)
			return
		}
		for i := k; i < len(rest); i++ {
			rest[k], rest[i] = rest[i], rest[k]
			permute(k + 1)
			rest[k], rest[i] = rest[i], rest[k]
		}
	}
	permute(0)
	return best
}

func tourLength(d [][]float64, order []int) float64 {
	l := 0.0
	for i := 1; i < len(order); i++ {
		l += d[order[i-1]][order[i]]
	}
	return l
}

func TestPlanTourSquare(t *testing.T) {
	// The corners of a square given in a crossing order: the tour must go round the square.
	pts := [][2]float64{{0, 0}, {10, 10}, {10, 0}, {0, 10}}
	d := planeMatrix(pts)
	tour, err := geo.PlanTour(d, geo.TourOptions{Start: 0, Closed: true})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(tour.Length-40) > 1e-9 {
		t.Errorf("length %v, want 40 (order %v)", tour.Length, tour.Order)
	}
	if tour.Order[0] != 0 || tour.Order[len(tour.Order)-1] != 0 || len(tour.Order) != 5 {
		t.Errorf("order %v, want 0 … 0 through all four corners", tour.Order)
	}
	if got := tourLength(d, tour.Order); math.Abs(got-tour.Length) > 1e-9 {
		t.Errorf("reported length %v, order gives %v", tour.Length, got)
	}
}

func TestPlanTourNearOptimal(t *testing.T) {
	// On random instances small enough for brute force, nearest neighbour + 2-opt + or-opt stays
	// within 10 % of the optimum, and is never worse than nearest neighbour alone would allow.
	r := rand.New(rand.NewPCG(7, 11))
	for trial := 0; trial < 40; trial++ {
		n := 5 + r.IntN(4)
		pts := make([][2]float64, n)
		for i := range pts {
			pts[i] = [2]float64{r.Float64() * 1000, r.Float64() * 1000}
		}
		d := planeMatrix(pts)
		tour, err := geo.PlanTour(d, geo.TourOptions{Start: 0, Closed: true})
		if err != nil {
			t.Fatal(err)
		}
		opt := bruteForce(d)
		if tour.Length > opt*1.10+1e-9 {
			t.Errorf("trial %d: length %.1f, optimum %.1f", trial, tour.Length, opt)
		}
		if len(tour.Order) != n+1 || len(tour.Dropped) != 0 {
			t.Errorf("trial %d: order %v dropped %v", trial, tour.Order, tour.Dropped)
		}
	}
}

func TestPlanTourLimit(t *testing.T) {
	// Start at the origin; two valuable targets close by, one cheap target far away.
	pts := [][2]float64{{0, 0}, {100, 0}, {100, 100}, {5000, 0}}
	d := planeMatrix(pts)
	cases := []struct {
		name    string
		limit   float64
		prize   []float64
		want    []int // targets on the tour, sorted
		dropped []int
	}{
		{"no limit", 0, nil, []int{1, 2, 3}, nil},
		{"far one dropped", 1000, []float64{0, 5, 5, 1}, []int{1, 2}, []int{3}},
		{"only the nearest fits", 250, []float64{0, 1, 1, 1}, []int{1}, []int{2, 3}},
		{"the valuable one is kept", 300, []float64{0, 1, 10, 1}, []int{2}, []int{1, 3}},
		{"nothing fits", 50, nil, nil, []int{1, 2, 3}},
		{"zero prize is no target", 0, []float64{0, 1, 0, 1}, []int{1, 3}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tour, err := geo.PlanTour(d, geo.TourOptions{Start: 0, Closed: true, MaxLength: tc.limit, Prize: tc.prize})
			if err != nil {
				t.Fatal(err)
			}
			got := slices.Clone(tour.Order[1 : len(tour.Order)-1])
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("targets %v, want %v (order %v)", got, tc.want, tour.Order)
			}
			if !slices.Equal(tour.Dropped, tc.dropped) {
				t.Errorf("dropped %v, want %v", tour.Dropped, tc.dropped)
			}
			if tc.limit > 0 && tour.Length > tc.limit {
				t.Errorf("length %v over the limit %v", tour.Length, tc.limit)
			}
		})
	}
}

func TestPlanTourOpenAndUnreachable(t *testing.T) {
	inf := math.Inf(1)
	// A line of points; node 4 cannot be reached at all.
	d := [][]float64{
		{0, 1, 2, 3, inf},
		{1, 0, 1, 2, inf},
		{2, 1, 0, 1, inf},
		{3, 2, 1, 0, inf},
		{inf, inf, inf, inf, 0},
	}
	tour, err := geo.PlanTour(d, geo.TourOptions{Start: 0})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tour.Order, []int{0, 1, 2, 3}) || tour.Length != 3 {
		t.Errorf("open tour %v length %v, want [0 1 2 3] length 3", tour.Order, tour.Length)
	}
	if !slices.Equal(tour.Dropped, []int{4}) {
		t.Errorf("dropped %v, want [4]", tour.Dropped)
	}
}

func TestPlanTourBadInput(t *testing.T) {
	cases := []struct {
		name string
		d    [][]float64
		opt  geo.TourOptions
	}{
		{"empty", nil, geo.TourOptions{}},
		{"ragged", [][]float64{{0, 1}, {1}}, geo.TourOptions{}},
		{"negative", [][]float64{{0, -1}, {1, 0}}, geo.TourOptions{}},
		{"NaN", [][]float64{{0, math.NaN()}, {1, 0}}, geo.TourOptions{}},
		{"start", [][]float64{{0, 1}, {1, 0}}, geo.TourOptions{Start: 2}},
		{"prizes", [][]float64{{0, 1}, {1, 0}}, geo.TourOptions{Prize: []float64{1}}},
		{"limit", [][]float64{{0, 1}, {1, 0}}, geo.TourOptions{MaxLength: -1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := geo.PlanTour(tc.d, tc.opt)
			var in *geo.AnalysisInputError
			if !errors.As(err, &in) {
				t.Errorf("error %v, want an *AnalysisInputError", err)
			}
		})
	}
}

func TestRouteSuggestedDwellMin(t *testing.T) {
	cases := []struct {
		minDwell int
		risk     float64
		want     int
	}{
		{0, 0, 10}, {0, 1.9, 10}, {0, 2, 11}, {0, 9, 14}, {0, 12, 16}, {0, 100, 16},
		{12, 0, 12}, {20, 0, 20}, {0, math.NaN(), 10}, {0, -3, 10},
	}
	for _, tc := range cases {
		if got := geo.SuggestedDwellMin(tc.minDwell, tc.risk); got != tc.want {
			t.Errorf("SuggestedDwellMin(%d, %v) = %d, want %d", tc.minDwell, tc.risk, got, tc.want)
		}
	}
}

func TestRouteTravelMinutes(t *testing.T) {
	if got := geo.TravelMinutes(840, geo.WalkSpeedMS); math.Abs(got-10) > 1e-9 {
		t.Errorf("840 m walking: %v min, want 10", got)
	}
	if got := geo.TravelMinutes(4800, geo.MotorbikeSpeedMS); math.Abs(got-10) > 1e-9 {
		t.Errorf("4.8 km by motorbike: %v min, want 10", got)
	}
}

func TestRouteCellsAlong(t *testing.T) {
	// A 1 km line east–west near Sông Công: the cells must form a chain of neighbours from the
	// cell of the first point to that of the last.
	a := orb.Point{105.845, 21.47}
	b := orbgeo.PointAtBearingAndDistance(a, 90, 1000)
	cells, err := geo.CellsAlong(orb.MultiLineString{{a, b}}, 10)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := geo.CellOf(a, 10)
	last, _ := geo.CellOf(b, 10)
	if !slices.Contains(cells, first) || !slices.Contains(cells, last) {
		t.Fatalf("the end cells are missing from %v", cells)
	}
	// Every cell touches another of the set (the line is continuous).
	in := map[h3.Cell]bool{}
	for _, c := range cells {
		in[c] = true
	}
	for _, c := range cells {
		ring, err := c.GridDisk(1)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range ring {
			if r != c && in[r] {
				n++
			}
		}
		if n == 0 {
			t.Errorf("cell %s is isolated", c)
		}
	}
	// At resolution 10 (edge ~76 m) a 1 km line crosses roughly 7 to 16 cells.
	if len(cells) < 7 || len(cells) > 16 {
		t.Errorf("%d cells along 1 km", len(cells))
	}
	if _, err := geo.CellsAlong(orb.MultiLineString{{{21.47, 105.845}, {21.48, 105.845}}}, 10); err == nil {
		t.Error("a line of [lat, lon] points was accepted")
	}
}

func TestRouteLines(t *testing.T) {
	line := orb.LineString{{105.8, 21.4}, {105.81, 21.41}}
	cases := []struct {
		name  string
		g     orb.Geometry
		lines int
		bad   bool
	}{
		{"line", line, 1, false},
		{"multi", orb.MultiLineString{line, line}, 2, false},
		{"collection", orb.Collection{line, orb.MultiLineString{line}}, 2, false},
		{"point", orb.Point{105.8, 21.4}, 0, true},
		{"short", orb.LineString{{105.8, 21.4}}, 0, true},
		{"nil", nil, 0, true},
		{"empty multi", orb.MultiLineString{}, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := geo.RouteLines(tc.g)
			if tc.bad {
				var fe *geo.FieldError
				if !errors.As(err, &fe) {
					t.Errorf("error %v, want a *FieldError", err)
				}
				return
			}
			if err != nil || len(got) != tc.lines {
				t.Errorf("got %d lines, %v; want %d", len(got), err, tc.lines)
			}
		})
	}
}

func ExamplePlanTour() {
	// A start and three stops on a line, 1 km apart; the limit leaves out the farthest.
	d := [][]float64{
		{0, 1000, 2000, 3000},
		{1000, 0, 1000, 2000},
		{2000, 1000, 0, 1000},
		{3000, 2000, 1000, 0},
	}
	tour, _ := geo.PlanTour(d, geo.TourOptions{Start: 0, Closed: true, MaxLength: 4500})
	fmt.Println(tour.Order, tour.Length, tour.Dropped)
	// Output: [0 1 2 0] 4000 [3]
}

func TestRouteLineCellPoints(t *testing.T) {
	a := orb.Point{105.845, 21.47}
	b := orbgeo.PointAtBearingAndDistance(a, 90, 600)
	line := orb.MultiLineString{{a, b}}
	pts, err := geo.LineCellPoints(line, 10)
	if err != nil {
		t.Fatal(err)
	}
	cells, _ := geo.CellsAlong(line, 10)
	if len(pts) != len(cells) {
		t.Errorf("%d cells with points, %d cells along", len(pts), len(cells))
	}
	for c, p := range pts {
		got, _ := geo.CellOf(p, 10)
		if got != c {
			t.Errorf("the point of %s lies in %s", c, got)
		}
		// On the line: the latitude barely changes along an eastward line of 600 m.
		if math.Abs(p[1]-21.47) > 1e-5 || p[0] < a[0]-1e-9 || p[0] > b[0]+1e-9 {
			t.Errorf("point %v is off the line", p)
		}
	}
}
