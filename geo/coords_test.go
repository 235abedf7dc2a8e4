package geo_test

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
)

// songCong is a point in Sông Công, Thái Nguyên: 21.47 N, 105.85 E, as
// orb writes it, [lon, lat].
func songCong() orb.Point { return orb.Point{105.85, 21.47} }

func mustCell(t testing.TB, p orb.Point, res int) h3.Cell {
	t.Helper()
	c, err := geo.CellOf(p, res)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustCentre(t testing.TB, c h3.Cell) orb.Point {
	t.Helper()
	p, err := geo.CellCentre(c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLatLngOfPointOfRoundTrip(t *testing.T) {
	p := songCong()
	ll := geo.LatLngOf(p)
	if ll.Lat != 21.47 || ll.Lng != 105.85 {
		t.Fatalf("LatLngOf(%v) = %v, want lat 21.47 lng 105.85", p, ll)
	}
	if back := geo.PointOf(ll); back != p {
		t.Fatalf("PointOf(LatLngOf(%v)) = %v", p, back)
	}
	if got := geo.PointOf(h3.LatLng{Lat: 21.47, Lng: 105.85}); got != (orb.Point{105.85, 21.47}) {
		t.Fatalf("PointOf = %v, want [105.85 21.47]", got)
	}
}

func TestCellOfSongCong(t *testing.T) {
	p := songCong()
	c := mustCell(t, p, 10)
	want, err := h3.LatLngToCell(h3.LatLng{Lat: 21.47, Lng: 105.85}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if c != want {
		t.Fatalf("CellOf = %s, want %s", c, want)
	}
	if c.Resolution() != 10 {
		t.Fatalf("resolution %d", c.Resolution())
	}

	// The hexagon, in [lon, lat], holds the point; its centre is near it.
	poly, err := geo.CellPolygon(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(poly) != 1 || len(poly[0]) != 7 || poly[0][0] != poly[0][6] {
		t.Fatalf("CellPolygon is not one closed hexagon ring: %v", poly)
	}
	if !planar.PolygonContains(poly, p) {
		t.Fatalf("CellPolygon(%s) = %v does not contain %v", c, poly, p)
	}
	for _, v := range poly[0] {
		if v[0] < 105 || v[0] > 106 || v[1] < 21 || v[1] > 22 {
			t.Fatalf("vertex %v is not [lon, lat] near Sông Công", v)
		}
	}
	centre := mustCentre(t, c)
	if d := orbgeo.DistanceHaversine(centre, p); d > 80 {
		t.Fatalf("centre %v is %.1f m from %v", centre, d, p)
	}
	if got := mustCell(t, centre, 10); got != c {
		t.Fatalf("CellOf(CellCentre(c)) = %s, want %s", got, c)
	}
}

func TestCellOfSwappedOrderFails(t *testing.T) {
	// [lat, lon] by mistake: latitude 105.85 does not exist.
	_, err := geo.CellOf(orb.Point{21.47, 105.85}, 10)
	if err == nil {
		t.Fatal("CellOf([21.47, 105.85]) succeeded; a swapped point must fail")
	}
	// A swapped point that happens to be valid lands elsewhere: both
	// coordinates below 90, e.g. 10.8 N 20.5 E vs 20.5 N 10.8 E.
	a := mustCell(t, orb.Point{20.5, 10.8}, 10)
	b := mustCell(t, orb.Point{10.8, 20.5}, 10)
	if a == b {
		t.Fatal("swapping lon and lat gave the same cell")
	}
	ll, err := a.LatLng()
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(ll.Lat-10.8) > 0.01 || math.Abs(ll.Lng-20.5) > 0.01 {
		t.Fatalf("cell of [20.5, 10.8] is centred at %v, want lat 10.8 lng 20.5", ll)
	}
}

func TestCellOfErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    orb.Point
		res  int
	}{
		{"NaN lat", orb.Point{105.85, math.NaN()}, 10},
		{"Inf lon", orb.Point{math.Inf(1), 21.47}, 10},
		{"lon 181", orb.Point{181, 21.47}, 10},
		{"lat -91", orb.Point{105.85, -91}, 10},
		{"res 16", songCong(), 16},
		{"res -1", songCong(), -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := geo.CellOf(tc.p, tc.res); err == nil {
				t.Fatalf("CellOf(%v, %d) succeeded", tc.p, tc.res)
			}
		})
	}
	_, err := geo.CellOf(songCong(), 16)
	if !errors.Is(err, h3.ErrResolutionDomain) {
		t.Fatalf("CellOf at res 16: %v, want it to wrap h3.ErrResolutionDomain", err)
	}
}

func TestValidRes(t *testing.T) {
	for res, want := range map[int]bool{7: false, 8: true, 9: true, 10: true, 11: true, 12: false, 0: false, -1: false} {
		if got := geo.ValidRes(res); got != want {
			t.Errorf("ValidRes(%d) = %v, want %v", res, got, want)
		}
	}
}

// square returns a closed [lon, lat] ring around centre, half side d
// degrees.
func square(centre orb.Point, d float64) orb.Ring {
	x, y := centre[0], centre[1]
	return orb.Ring{{x - d, y - d}, {x + d, y - d}, {x + d, y + d}, {x - d, y + d}, {x - d, y - d}}
}

// centresInside returns, among the cells within k of c0, those whose
// centres planar.MultiPolygonContains says lie in mp: the brute-force
// answer StudyCells must give.
func centresInside(t *testing.T, mp orb.MultiPolygon, c0 h3.Cell, k int) []h3.Cell {
	t.Helper()
	disk, err := h3.GridDisk(c0, k)
	if err != nil {
		t.Fatal(err)
	}
	var want []h3.Cell
	for _, c := range disk {
		if planar.MultiPolygonContains(mp, mustCentre(t, c)) {
			want = append(want, c)
		}
	}
	slices.Sort(want)
	return want
}

func TestStudyCells(t *testing.T) {
	p := songCong()
	c0 := mustCell(t, p, 10)
	outer := square(p, 0.004) // ~830 m across
	hole := square(orb.Point{105.851, 21.471}, 0.0012)
	other := square(orb.Point{105.858, 21.47}, 0.002) // overlaps outer

	for _, tc := range []struct {
		name string
		geom orb.Geometry
		mp   orb.MultiPolygon
	}{
		{"polygon", orb.Polygon{outer}, orb.MultiPolygon{{outer}}},
		{"polygon with hole", orb.Polygon{outer, hole}, orb.MultiPolygon{{outer, hole}}},
		{"overlapping multipolygon", orb.MultiPolygon{{outer, hole}, {other}}, orb.MultiPolygon{{outer, hole}, {other}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := geo.StudyCells(tc.geom, 10)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
				t.Fatalf("StudyCells is not sorted and unique: %v", got)
			}
			want := centresInside(t, tc.mp, c0, 12)
			if !slices.Equal(got, want) {
				t.Fatalf("StudyCells: %d cells, want the %d whose centres are inside", len(got), len(want))
			}
		})
	}

	withHole, _ := geo.StudyCells(orb.Polygon{outer, hole}, 10)
	solid, _ := geo.StudyCells(orb.Polygon{outer}, 10)
	if len(withHole) >= len(solid) {
		t.Fatalf("the hole removed nothing: %d vs %d cells", len(withHole), len(solid))
	}
	holeCell := mustCell(t, orb.Point{105.851, 21.471}, 10)
	if _, found := slices.BinarySearch(withHole, holeCell); found {
		t.Fatal("a cell in the hole is in the study area")
	}
}

func TestStudyCellsErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		geom orb.Geometry
	}{
		{"nil", nil},
		{"line", orb.LineString{{105.85, 21.47}, {105.86, 21.48}}},
		{"empty polygon", orb.Polygon{}},
		{"two-point ring", orb.Polygon{{{105.85, 21.47}, {105.86, 21.48}, {105.85, 21.47}}}},
		{"swapped ring", orb.Polygon{square(orb.Point{21.47, 105.85}, 0.001)}},
		{"all of Viet Nam at res 10", orb.Polygon{{{102, 8}, {110, 8}, {110, 23.5}, {102, 23.5}, {102, 8}}}},
		{"all points equal", orb.Polygon{{{105.85, 21.47}, {105.85, 21.47}, {105.85, 21.47}, {105.85, 21.47}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := geo.StudyCells(tc.geom, 10); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func ExampleCellOf() {
	// orb points are [lon, lat]: Sông Công, Thái Nguyên is 21.47 N 105.85 E.
	c, err := geo.CellOf(orb.Point{105.85, 21.47}, 10)
	if err != nil {
		panic(err)
	}
	centre, _ := geo.CellCentre(c)
	fmt.Println(c)
	fmt.Printf("centre [lon, lat] = [%.4f, %.4f]\n", centre[0], centre[1])

	_, err = geo.CellOf(orb.Point{21.47, 105.85}, 10) // swapped by mistake
	fmt.Println(err != nil)
	// Output:
	// 8a415c31c367fff
	// centre [lon, lat] = [105.8495, 21.4702]
	// true
}
