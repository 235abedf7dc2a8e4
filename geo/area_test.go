package geo_test

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
)

func mustAreaCells(t testing.TB, g orb.Geometry, bufferM float64) []h3.Cell {
	t.Helper()
	cells, err := geo.KeyAreaCells(g, bufferM, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(cells) || len(slices.Compact(slices.Clone(cells))) != len(cells) {
		t.Fatalf("cells not sorted and unique: %v", cells)
	}
	return cells
}

func TestKeyAreaCellsPoint(t *testing.T) {
	a := mustCell(t, songCong(), 10)
	centre := mustCentre(t, a)
	ring1, _ := h3.GridDisk(a, 1)
	slices.Sort(ring1)
	// At resolution 10 a neighbour's hexagon is ~66 m from the centre, the
	// nearest corner of the second ring ~152 m and its nearest edge ~197 m.
	for _, tc := range []struct {
		buffer float64
		n      int
	}{{0, 1}, {50, 1}, {100, 7}, {175, 13}} {
		got := mustAreaCells(t, centre, tc.buffer)
		if len(got) != tc.n {
			t.Errorf("buffer %v m: %d cells, want %d", tc.buffer, len(got), tc.n)
		}
		if tc.n == 7 && !slices.Equal(got, ring1) {
			t.Errorf("buffer 100 m: %v, want the cell and its neighbours", got)
		}
	}
}

func TestKeyAreaCellsPolygon(t *testing.T) {
	p := songCong()
	a := mustCell(t, p, 10)

	// A 20 m square around a cell centre touches only that cell.
	tiny := orb.Polygon{square(mustCentre(t, a), 0.0001)}
	if got := mustAreaCells(t, tiny, 0); !slices.Equal(got, []h3.Cell{a}) {
		t.Fatalf("tiny market: %v, want [%s]", got, a)
	}
	// A square market: every cell with its centre inside, every cell that
	// holds a point of the outline, and nothing whose hexagon stays away.
	market := orb.Polygon{square(east(p, 40), 0.0015)}
	got := mustAreaCells(t, market, 25)
	centres, err := geo.StudyCells(market, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range centres {
		if _, ok := slices.BinarySearch(got, c); !ok {
			t.Fatalf("cell %s with its centre inside is missing", c)
		}
	}
	outline := market[0]
	for i := 1; i < len(outline); i++ {
		for f := 0.0; f <= 1; f += 0.01 {
			q := orb.Point{outline[i-1][0] + (outline[i][0]-outline[i-1][0])*f, outline[i-1][1] + (outline[i][1]-outline[i-1][1])*f}
			if _, ok := slices.BinarySearch(got, mustCell(t, q, 10)); !ok {
				t.Fatalf("the cell of outline point %v is missing", q)
			}
		}
	}
	if len(got) <= len(centres) {
		t.Fatalf("overlap gave %d cells, centres %d: the edge cells are missing", len(got), len(centres))
	}
}

// hexagonDistance returns, by brute force, the least haversine distance in
// metres between the hexagon of c (boundary and, through the centre, the
// interior) and points along the line.
func hexagonDistance(t *testing.T, c h3.Cell, line []orb.Point) float64 {
	poly, err := geo.CellPolygon(c)
	if err != nil {
		t.Fatal(err)
	}
	var hex []orb.Point
	ring := poly[0]
	for i := 1; i < len(ring); i++ {
		for f := 0.0; f < 1; f += 0.02 {
			hex = append(hex, orb.Point{ring[i-1][0] + (ring[i][0]-ring[i-1][0])*f, ring[i-1][1] + (ring[i][1]-ring[i-1][1])*f})
		}
	}
	best := math.Inf(1)
	for i := 1; i < len(line); i++ {
		for f := 0.0; f <= 1; f += 0.01 {
			q := orb.Point{line[i-1][0] + (line[i][0]-line[i-1][0])*f, line[i-1][1] + (line[i][1]-line[i-1][1])*f}
			if mustCell(t, q, 10) == c {
				return 0
			}
			for _, h := range hex {
				best = math.Min(best, orbgeo.DistanceHaversine(h, q))
			}
		}
	}
	return best
}

// centreDistance returns the least haversine distance in metres from the
// centre of c to points along the line.
func centreDistance(t *testing.T, c h3.Cell, line []orb.Point) float64 {
	centre := mustCentre(t, c)
	best := math.Inf(1)
	for i := 1; i < len(line); i++ {
		for f := 0.0; f <= 1; f += 0.01 {
			q := orb.Point{line[i-1][0] + (line[i][0]-line[i-1][0])*f, line[i-1][1] + (line[i][1]-line[i-1][1])*f}
			best = math.Min(best, orbgeo.DistanceHaversine(centre, q))
		}
	}
	return best
}

func TestKeyAreaCellsRoad(t *testing.T) {
	p := songCong()
	road := orb.LineString{p, orbgeo.PointAtBearingAndDistance(p, 60, 250), orbgeo.PointAtBearingAndDistance(p, 80, 450)}
	for _, buffer := range []float64{0, 25, 60} {
		got := mustAreaCells(t, road, buffer)
		a := mustCell(t, p, 10)
		disk, err := h3.GridDisk(a, 6)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range disk {
			// A hexagon lies within 80 m of its centre: cells whose centre
			// is far from the road need no brute force.
			d := centreDistance(t, c, road) - 80
			if d <= buffer+2 {
				d = hexagonDistance(t, c, road)
			}
			_, in := slices.BinarySearch(got, c)
			// The brute force samples every ~2.5 m of the road and ~1.5 m
			// of the outline: allow 2 m either way.
			switch {
			case d <= buffer-2 && !in:
				t.Errorf("buffer %v: cell %s is %.1f m from the road but missing", buffer, c, d)
			case d > buffer+2 && in:
				t.Errorf("buffer %v: cell %s is %.1f m from the road but included", buffer, c, d)
			}
		}
	}
	// A road as a MultiLineString of its two pieces gives the same cells.
	multi := orb.MultiLineString{road[:2], road[1:]}
	if a, b := mustAreaCells(t, road, 25), mustAreaCells(t, multi, 25); !slices.Equal(a, b) {
		t.Fatalf("MultiLineString gave %d cells, LineString %d", len(b), len(a))
	}
}

func TestKeyAreaCellsErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		geom   orb.Geometry
		buffer float64
	}{
		{"negative buffer", orb.LineString{songCong(), east(songCong(), 100)}, -1},
		{"NaN buffer", songCong(), math.NaN()},
		{"huge buffer", songCong(), 1e6},
		{"nil", nil, 25},
		{"empty line", orb.LineString{}, 25},
		{"collection", orb.Collection{songCong()}, 25},
		{"swapped line", orb.LineString{{21.47, 105.85}, {21.48, 105.85}}, 25},
		{"swapped polygon", orb.Polygon{square(orb.Point{21.47, 105.85}, 0.001)}, 0},
		{"all of Viet Nam", orb.Polygon{{{102, 8}, {110, 8}, {110, 23.5}, {102, 23.5}, {102, 8}}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := geo.KeyAreaCells(tc.geom, tc.buffer, 10); err == nil {
				t.Fatal("no error")
			}
		})
	}
	var fe *geo.FieldError
	if _, err := geo.KeyAreaCells(songCong(), -5, 10); !errors.As(err, &fe) || fe.Field != "buffer_m" {
		t.Fatalf("negative buffer: %v", err)
	}
}

func TestAreaNightVisits(t *testing.T) {
	loc := mustZone(t, "Asia/Ho_Chi_Minh")
	area := []h3.Cell{mustCell(t, songCong(), 10), mustCell(t, east(songCong(), 140), 10)}
	a, b := area[0], area[1]
	outside := mustCell(t, east(songCong(), 600), 10)
	at := func(s string) time.Time { return localAt(t, loc, s).UTC() }
	n1, n2 := mustDate(t, "2024-03-01"), mustDate(t, "2024-03-02")
	visit := func(dev string, c h3.Cell, from, to string, night geo.Date) geo.CellVisit {
		e, l := at(from), at(to)
		return geo.CellVisit{Device: dev, Cell: c, Enter: e, Leave: l, DwellS: l.Sub(e).Seconds(), Nights: []geo.Date{night}}
	}
	visits := []geo.CellVisit{
		// d1 on the night of 1 March: A then B without a break, then out
		// of the area for 9 min, then back: one visit of 25 min.
		visit("d1", a, "2024-03-01 22:00:00", "2024-03-01 22:10:00", n1),
		visit("d1", b, "2024-03-01 22:10:00", "2024-03-01 22:20:00", n1),
		visit("d1", outside, "2024-03-01 22:21:00", "2024-03-01 22:28:00", n1),
		visit("d1", a, "2024-03-01 22:29:00", "2024-03-01 22:34:00", n1),
		// 10 min later: a second visit, 4 min.
		visit("d1", b, "2024-03-01 22:44:00", "2024-03-01 22:48:00", n1),
		// d2 at the same time as d1: its own visit.
		visit("d2", a, "2024-03-01 22:00:00", "2024-03-01 22:12:00", n1),
		// The night of 2 March, past midnight.
		visit("d1", a, "2024-03-03 01:00:00", "2024-03-03 01:16:00", n2),
		// Day-time passes have no night and are skipped.
		{Device: "d1", Cell: a, Enter: at("2024-03-02 12:00:00"), Leave: at("2024-03-02 13:00:00"), DwellS: 3600},
	}
	got := geo.AreaVisits(visits, area)
	if len(got) != 4 {
		t.Fatalf("AreaVisits = %+v, want 4 visits", got)
	}
	if v := got[0]; v.Device != "d1" || v.DwellS != 25*60 || !v.Leave.Equal(at("2024-03-01 22:34:00")) || v.Night != n1 {
		t.Fatalf("first visit %+v", v)
	}

	nights := geo.AreaNightVisits(visits, area, 10)
	want := map[geo.Date]geo.AreaNight{
		n1: {Date: n1, Visits: 2, DwellMin: 25 + 4 + 12}, // the 4-min visit is too short to count
		n2: {Date: n2, Visits: 1, DwellMin: 16},
	}
	if len(nights) != len(want) || nights[n1] != want[n1] || nights[n2] != want[n2] {
		t.Fatalf("AreaNightVisits(min 10) = %+v, want %+v", nights, want)
	}
	if all := geo.AreaNightVisits(visits, area, 0); all[n1].Visits != 3 {
		t.Fatalf("with no minimum dwell: %+v", all[n1])
	}
}

func TestAreaNightVisitsFromTrack(t *testing.T) {
	// A patrol through a market and a trip away of 3 min vs 12 min: one
	// visit or two.
	loc := mustZone(t, "Asia/Ho_Chi_Minh")
	for _, tc := range []struct {
		away   time.Duration
		visits int
	}{{3 * time.Minute, 1}, {12 * time.Minute, 2}} {
		fixes, a, _, _ := awayAndBack(t, loc, tc.away)
		visits, err := geo.DeviceVisits("d1", fixes, nightOptions(loc))
		if err != nil {
			t.Fatal(err)
		}
		nights := geo.AreaNightVisits(visits, []h3.Cell{a}, 0)
		n := nights[mustDate(t, "2024-03-01")]
		if len(nights) != 1 || n.Visits != tc.visits || math.Abs(n.DwellMin-610.0/60) > 0.03 {
			t.Fatalf("away %v: %+v, want %d visits of about 10.2 min in all", tc.away, nights, tc.visits)
		}
	}
}
