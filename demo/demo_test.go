package demo

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/uber/h3-go/v4"

	pgeo "github.com/patrolmap/patrolmap/geo"
)

var (
	testDay  = time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	testDays = []time.Time{
		time.Date(2024, 11, 3, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 2, 17, 0, 0, 0, 0, time.UTC),
	}
	testSeeds = []int64{1, 2, 3, 42}
)

// generated caches Generate's wards by seed and day for the tests.
var generated = map[string]*Ward{}

func ward(t *testing.T, seed int64, day time.Time) *Ward {
	t.Helper()
	key := fmt.Sprint(seed, day.Format(time.DateOnly))
	if w, ok := generated[key]; ok {
		return w
	}
	w, err := Generate(seed, day)
	if err != nil {
		t.Fatalf("Generate(%d, %s): %v", seed, day.Format(time.DateOnly), err)
	}
	generated[key] = w
	return w
}

// fixHash hashes the whole fix stream of a ward.
func fixHash(t *testing.T, w *Ward) ([]byte, int) {
	t.Helper()
	h := sha256.New()
	n := 0
	err := w.Fixes(func(f PhoneFix) error {
		n++
		writeFix(h, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return h.Sum(nil), n
}

func writeFix(h hash.Hash, f PhoneFix) {
	h.Write([]byte(f.Device))
	var b [8]byte
	for _, v := range []float64{f.Lon, f.Lat, f.Accuracy, f.Speed, f.Heading, f.Altitude, f.Battery} {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
		h.Write(b[:])
	}
	binary.LittleEndian.PutUint64(b[:], uint64(f.Time.UnixMicro()))
	h.Write(b[:])
	if f.Late {
		h.Write([]byte{1})
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, err := Generate(7, testDay)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(7, testDay.Add(13*time.Hour)) // same local date
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		a, b any
	}{
		{"boundary", a.Boundary, b.Boundary},
		{"groups", a.Groups, b.Groups},
		{"key areas", a.KeyAreas, b.KeyAreas},
		{"roads", a.Roads, b.Roads},
		{"officers", a.Officers, b.Officers},
		{"patrols", a.Patrols, b.Patrols},
		{"incidents", a.Incidents, b.Incidents},
		{"cluster cells", a.ClusterCells, b.ClusterCells},
	} {
		if !reflect.DeepEqual(c.a, c.b) {
			t.Errorf("%s differ between two runs", c.name)
		}
	}
	ha, na := fixHash(t, a)
	hb, nb := fixHash(t, b)
	if na != nb || string(ha) != string(hb) {
		t.Errorf("fix streams differ: %d and %d fixes", na, nb)
	}
	ha2, _ := fixHash(t, a)
	if string(ha) != string(ha2) {
		t.Error("the fix stream changed when iterated again")
	}

	// Another seed or another day gives other data; the next day moves every time on.
	other, err := Generate(8, testDay)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(other.Incidents, a.Incidents) {
		t.Error("seeds 7 and 8 give the same incidents")
	}
	next, err := Generate(7, testDay.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(next.Boundary, a.Boundary) || !reflect.DeepEqual(next.KeyAreas, a.KeyAreas) {
		t.Error("the map changed with the day")
	}
	if got, want := next.Day.Sub(a.Day), 24*time.Hour; got != want {
		t.Errorf("next day starts %v later, want %v", got, want)
	}
	if last := next.Patrols[len(next.Patrols)-1].Night; last != "2025-06-30" {
		t.Errorf("next day: last night %s, want 2025-06-30", last)
	}
	if last := a.Patrols[len(a.Patrols)-1].Night; last != "2025-06-29" {
		t.Errorf("last night %s, want 2025-06-29", last)
	}
	if hn, _ := fixHash(t, next); string(hn) == string(ha) {
		t.Error("the next day gives the same fixes")
	}
}

func TestGenerateDayInVietnam(t *testing.T) {
	// 20:00 UTC on 29 June is 03:00 on 30 June in Hà Nội.
	w := ward(t, 1, time.Date(2025, 6, 29, 20, 0, 0, 0, time.UTC))
	if got := w.Day.Format(time.RFC3339); got != "2025-06-30T00:00:00+07:00" {
		t.Errorf("Day = %s", got)
	}
	if _, err := Generate(1, time.Time{}); err == nil {
		t.Error("Generate with a zero day: no error")
	}
}

func TestUnit(t *testing.T) {
	w := ward(t, 1, testDay)
	if w.Code != "demo" || w.TimeZone != "Asia/Ho_Chi_Minh" || w.H3Res != 10 ||
		w.NightStart != "22:00" || w.NightEnd != "05:00" {
		t.Errorf("unit settings %q %q %d %q %q", w.Code, w.TimeZone, w.H3Res, w.NightStart, w.NightEnd)
	}
	if !strings.Contains(w.Name, "mô phỏng") {
		t.Errorf("name %q does not say the data is synthetic", w.Name)
	}
	c := w.Boundary.Bound().Center()
	if math.Abs(c[1]-21.47) > 0.02 || math.Abs(c[0]-105.85) > 0.02 {
		t.Errorf("ward centre %v is not near Sông Công (21.47 N, 105.85 E)", c)
	}
	if !inBoundary(w, w.Office) {
		t.Errorf("office %v outside the boundary", w.Office)
	}
}

func TestBoundary(t *testing.T) {
	w := ward(t, 1, testDay)
	if len(w.Boundary) != 1 {
		t.Fatalf("boundary has %d rings", len(w.Boundary))
	}
	ring := w.Boundary[0]
	if !ring.Closed() {
		t.Error("boundary ring is not closed")
	}
	if ring.Orientation() != orb.CCW {
		t.Error("boundary ring is not counter-clockwise")
	}
	if a := geo.Area(w.Boundary); a < 3.5e6 || a > 4.5e6 {
		t.Errorf("boundary area %.0f m², want 3.5–4.5 km²", a)
	}
	if !simpleRing(ring) {
		t.Error("boundary ring is not simple")
	}
	if len(ring) < 10 {
		t.Errorf("boundary has only %d vertices; it should be irregular", len(ring))
	}
}

func TestGroupsTileTheBoundary(t *testing.T) {
	w := ward(t, 1, testDay)
	if len(w.Groups) != 17 {
		t.Fatalf("%d residential groups, want 17", len(w.Groups))
	}
	polys := make([]orb.Polygon, len(w.Groups))
	sum := 0.0
	for i, g := range w.Groups {
		if want := fmt.Sprintf("Tổ dân phố %d", i+1); g.Name != want || g.Kind != "residential_group" {
			t.Errorf("group %d: %q %q", i, g.Kind, g.Name)
		}
		p, ok := g.Geometry.(orb.Polygon)
		if !ok || len(p) != 1 || !p[0].Closed() || !simpleRing(p[0]) {
			t.Fatalf("%s: not a simple polygon", g.Name)
		}
		polys[i] = p
		a := geo.Area(p)
		if a < 1e5 || a > 4e5 {
			t.Errorf("%s: area %.0f m²", g.Name, a)
		}
		sum += a
	}
	whole := geo.Area(w.Boundary)
	if math.Abs(sum-whole)/whole > 0.005 {
		t.Errorf("groups cover %.0f m², the boundary %.0f m²", sum, whole)
	}
	// Every sample point in the boundary is in exactly one group; outside, in none.
	b := w.Boundary.Bound()
	const step = 1.5e-4 // about 15 m
	for lat := b.Min[1] - step; lat <= b.Max[1]+step; lat += step {
		for lon := b.Min[0] - step; lon <= b.Max[0]+step; lon += step {
			p := orb.Point{lon, lat}
			in := 0
			for _, g := range polys {
				if pointInRing(g[0], p) {
					in++
				}
			}
			if want := map[bool]int{true: 1, false: 0}[inBoundary(w, p)]; in != want && !nearAnyEdge(w, p) {
				t.Fatalf("point %v is in %d groups, want %d", p, in, want)
			}
		}
	}
}

func TestKeyAreas(t *testing.T) {
	w := ward(t, 1, testDay)
	if len(w.KeyAreas) < 8 {
		t.Fatalf("%d key areas, want at least 8", len(w.KeyAreas))
	}
	want := []struct {
		kind, name string
		n          int
	}{
		{"key_area", "Chợ", 1},
		{"key_road", "", 2},
		{"key_area", "Công trường", 2},
		{"key_area", "Trường", 1},
		{"key_area", "Trụ sở", 1},
		{"key_area", "Công viên", 1},
	}
	for _, c := range want {
		n := 0
		for _, a := range w.KeyAreas {
			if a.Kind == c.kind && strings.HasPrefix(a.Name, c.name) {
				n++
			}
		}
		if n < c.n {
			t.Errorf("%d %s areas named %q, want %d", n, c.kind, c.name, c.n)
		}
	}
	neglected := 0
	for _, a := range w.KeyAreas {
		if a.RequiredNightVisits != 1 && a.RequiredNightVisits != 2 {
			t.Errorf("%s: %d required night visits", a.Name, a.RequiredNightVisits)
		}
		if a.MinDwellMin != 0 && a.MinDwellMin != 10 {
			t.Errorf("%s: min dwell %d", a.Name, a.MinDwellMin)
		}
		switch g := a.Geometry.(type) {
		case orb.LineString:
			if a.Kind != "key_road" || a.BufferM != 25 || len(g) < 2 {
				t.Errorf("%s: line with kind %s, buffer %v", a.Name, a.Kind, a.BufferM)
			}
			for _, p := range g {
				if !inBoundary(w, p) {
					t.Errorf("%s: vertex %v outside the boundary", a.Name, p)
				}
			}
		case orb.Polygon:
			if a.Kind != "key_area" || !simpleRing(g[0]) {
				t.Errorf("%s: polygon with kind %s", a.Name, a.Kind)
			}
			for _, p := range g[0] {
				if !inBoundary(w, p) {
					t.Errorf("%s: vertex %v outside the boundary", a.Name, p)
				}
			}
		default:
			t.Errorf("%s: geometry %T", a.Name, a.Geometry)
		}
		if a.Name == w.Neglected {
			neglected++
		}
	}
	if neglected != 1 || !strings.HasPrefix(w.Neglected, "Công trường") {
		t.Errorf("neglected area %q matches %d key areas", w.Neglected, neglected)
	}
}

func TestRoads(t *testing.T) {
	w := ward(t, 1, testDay)
	total := 0.0
	for _, r := range w.Roads {
		if r.Name == "" || len(r.Line) < 2 {
			t.Errorf("road %q with %d points", r.Name, len(r.Line))
		}
		for _, p := range r.Line {
			if !inBoundary(w, p) {
				t.Errorf("%s: vertex %v outside the boundary", r.Name, p)
			}
		}
		total += geo.Length(r.Line)
	}
	if total < 15e3 || total > 30e3 {
		t.Errorf("roads total %.0f m, want 15–30 km", total)
	}
}

func TestOfficers(t *testing.T) {
	w := ward(t, 1, testDay)
	if len(w.Officers) != 5 {
		t.Fatalf("%d officers", len(w.Officers))
	}
	for i, o := range w.Officers {
		if o.Username != fmt.Sprintf("canbo%d", i+1) || o.DeviceID != fmt.Sprintf("demo-phone-%d", i+1) || o.FullName == "" {
			t.Errorf("officer %d: %+v", i, o)
		}
	}
}

func TestIncidents(t *testing.T) {
	codes := []string{"theft", "robbery", "drugs", "gambling", "disorder", "traffic_accident", "fire", "fraud", "other"}
	idPattern := regexp.MustCompile(`^DEMO-\d{6}$`)
	for _, seed := range testSeeds {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			w := ward(t, seed, testDay)
			from, clusterFrom := w.Day.AddDate(0, -12, 0), w.Day.AddDate(0, 0, -42)
			if n := len(w.Incidents); n < 270 || n > 330 {
				t.Errorf("%d incidents, want about 300", n)
			}
			clusterCells := map[string]bool{}
			for _, c := range w.ClusterCells {
				clusterCells[c] = true
			}
			var cluster []Incident
			seen := map[string]bool{}
			cats := map[string]int{}
			for i, in := range w.Incidents {
				if !idPattern.MatchString(in.ExternalID) || seen[in.ExternalID] {
					t.Errorf("bad or repeated external id %q", in.ExternalID)
				}
				seen[in.ExternalID] = true
				if i > 0 && in.Time.Before(w.Incidents[i-1].Time) {
					t.Errorf("%s is before the incident listed before it", in.ExternalID)
				}
				if in.Time.Before(from) || !in.Time.Before(w.Day) || in.Time.Location() != time.UTC {
					t.Errorf("%s at %v, outside the last 12 months or not UTC", in.ExternalID, in.Time)
				}
				if !slices.Contains(codes, in.Category) || in.Severity < 1 || in.Severity > 5 || in.Description == "" {
					t.Errorf("%s: %q severity %d %q", in.ExternalID, in.Category, in.Severity, in.Description)
				}
				age := w.Day.Sub(in.Time)
				switch in.Status {
				case "closed":
				case "open":
					if age > 45*24*time.Hour {
						t.Errorf("%s open after %v", in.ExternalID, age)
					}
				default:
					t.Errorf("%s: status %q", in.ExternalID, in.Status)
				}
				if !inBoundary(w, in.Point) {
					t.Errorf("%s at %v, outside the boundary", in.ExternalID, in.Point)
				}
				cats[in.Category]++
				c, err := h3.LatLngToCell(h3.NewLatLng(in.Point[1], in.Point[0]), w.H3Res)
				if err != nil {
					t.Fatal(err)
				}
				if clusterCells[c.String()] {
					cluster = append(cluster, in)
				}
			}
			if len(cats) != len(codes) {
				t.Errorf("categories used: %v", cats)
			}
			if n := len(cluster); n < 30 || n > 40 {
				t.Errorf("%d incidents in the cluster cells, want 30–40", n)
			}
			weeks := make([]int, 6)
			for _, in := range cluster {
				if in.Time.Before(clusterFrom) {
					t.Fatalf("cluster incident %s at %v, before the last 6 weeks", in.ExternalID, in.Time)
				}
				weeks[int(in.Time.Sub(clusterFrom)/(7*24*time.Hour))]++
				if d := geo.Distance(in.Point, w.ClusterCentre); d > 120 {
					t.Errorf("cluster incident %s is %.0f m from the centre", in.ExternalID, d)
				}
			}
			if weeks[0]+weeks[1]+weeks[2] >= weeks[3]+weeks[4]+weeks[5] || weeks[5] <= weeks[0] {
				t.Errorf("cluster incidents by week %v do not rise", weeks)
			}
			open := 0
			for _, in := range w.Incidents {
				if in.Status == "open" {
					open++
				}
			}
			if open == 0 || open > len(w.Incidents)/4 {
				t.Errorf("%d open incidents", open)
			}
		})
	}
}

// fixStats is what TestFixes gathers from one pass over the stream.
type fixStats struct {
	n, late, bad, gaps int
	spacingBad         int
	maxSpeed           float64
	maxImplied         float64
	outsideGood        int
	outsideBad         int
	outsideWindow      int
	notMicro           int
	unordered          int
	nearCluster        int
	visits             map[string]map[int]bool // key area -> nights with a fix near it
	nights             map[int]bool
	cells              map[h3.Cell]bool
}

func TestFixes(t *testing.T) {
	w := ward(t, 1, testDay)
	st := fixStats{visits: map[string]map[int]bool{}, nights: map[int]bool{}, cells: map[h3.Cell]bool{}}
	areas := keyAreaShapes(w)
	first := w.Day.AddDate(0, 0, -Nights)
	type last struct {
		f     PhoneFix
		night int
	}
	prev := map[string]last{}
	err := w.Fixes(func(f PhoneFix) error {
		st.n++
		if f.Time.Location() != time.UTC || f.Time.Nanosecond()%1000 != 0 {
			st.notMicro++
		}
		local := f.Time.In(zone)
		h := local.Hour()
		if h >= 5 && h < 22 {
			st.outsideWindow++
		}
		nightDate := local.Add(-12 * time.Hour)
		night := int(time.Date(nightDate.Year(), nightDate.Month(), nightDate.Day(), 0, 0, 0, 0, zone).Sub(first).Hours() / 24)
		if night < 0 || night >= Nights {
			st.outsideWindow++
		}
		st.maxSpeed = math.Max(st.maxSpeed, f.Speed)
		if f.Accuracy < 3 || (f.Accuracy > 20 && f.Accuracy <= 100) || f.Battery < 0 || f.Battery > 100 ||
			f.Heading < 0 || f.Heading >= 360 || f.Altitude < 0 || f.Altitude > 100 {
			t.Fatalf("implausible fix %+v", f)
		}
		if f.Late {
			st.late++
			return nil
		}
		if p, ok := prev[f.Device]; ok && p.night == night {
			dt := f.Time.Sub(p.f.Time).Seconds()
			switch {
			case dt <= 0:
				st.unordered++
			case dt > 360:
				st.gaps++
			case dt < 5 || dt > 10:
				st.spacingBad++
			default:
				if f.Accuracy <= 100 && p.f.Accuracy <= 100 {
					st.maxImplied = math.Max(st.maxImplied, geo.Distance(f.Point(), p.f.Point())/dt)
				}
			}
		}
		prev[f.Device] = last{f, night}
		good := f.Accuracy <= 100
		if !good {
			st.bad++
		}
		d := distToBoundary(w, f.Point())
		if good && d > 30 {
			st.outsideGood++
		}
		if !good && d > 400 {
			st.outsideBad++
		}
		if !good {
			return nil
		}
		st.nights[night] = true
		if geo.Distance(f.Point(), w.ClusterCentre) < 80 {
			st.nearCluster++
		}
		c, err := h3.LatLngToCell(h3.NewLatLng(f.Lat, f.Lon), w.H3Res)
		if err != nil {
			return err
		}
		st.cells[c] = true
		for _, a := range areas {
			if st.visits[a.name][night] {
				continue
			}
			if a.near(f.Point()) {
				if st.visits[a.name] == nil {
					st.visits[a.name] = map[int]bool{}
				}
				st.visits[a.name][night] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seed 1: %d fixes, %d late, %d bad, %d gaps over 6 min, %d nights patrolled, max speed %.1f m/s, max implied %.1f m/s",
		st.n, st.late, st.bad, st.gaps, len(st.nights), st.maxSpeed, st.maxImplied)
	if st.n < 300_000 || st.n > 700_000 {
		t.Errorf("%d fixes, want 300,000–700,000", st.n)
	}
	if st.late == 0 || st.late > st.n/10 {
		t.Errorf("%d late fixes", st.late)
	}
	if st.bad == 0 || st.bad > st.n/500 {
		t.Errorf("%d fixes with accuracy over 100 m", st.bad)
	}
	if st.gaps < 10 {
		t.Errorf("%d signal gaps of 6 minutes or more", st.gaps)
	}
	if st.spacingBad > 0 || st.unordered > 0 {
		t.Errorf("%d fix intervals outside 5–10 s, %d out of order", st.spacingBad, st.unordered)
	}
	if st.maxSpeed > 15 || st.maxImplied > 25 {
		t.Errorf("speeds: reported up to %.1f m/s, implied up to %.1f m/s", st.maxSpeed, st.maxImplied)
	}
	if st.outsideGood > 0 || st.outsideBad > 0 || st.outsideWindow > 0 || st.notMicro > 0 {
		t.Errorf("%d good and %d bad fixes away from the ward, %d outside the night window, %d not UTC microseconds",
			st.outsideGood, st.outsideBad, st.outsideWindow, st.notMicro)
	}
	if n := len(st.nights); n < Nights*3/4 || n >= Nights {
		t.Errorf("patrols on %d of %d nights, want most but not all", n, Nights)
	}
	if st.nearCluster > 0 {
		t.Errorf("%d fixes within 80 m of the cluster; its corner should never be patrolled", st.nearCluster)
	}
	study := studyCells(t, w)
	covered := 0
	for _, c := range study {
		if st.cells[c] {
			covered++
		}
	}
	if covered > len(study)*7/10 || covered < len(study)/4 {
		t.Errorf("%d of %d study cells patrolled; want real gaps", covered, len(study))
	}
	for _, a := range areas {
		n := len(st.visits[a.name])
		share := float64(n) / float64(len(st.nights))
		t.Logf("%-45s visited on %2d nights (%.0f %%)", a.name, n, 100*share)
		if a.name == w.Neglected {
			if share >= 0.2 || n == 0 {
				t.Errorf("neglected %s visited on %d nights", a.name, n)
			}
		} else if share < 0.75 {
			t.Errorf("%s visited on only %d nights", a.name, n)
		}
	}
}

func TestFixesStopsOnError(t *testing.T) {
	w := ward(t, 1, testDay)
	n := 0
	stop := fmt.Errorf("stop")
	if err := w.Fixes(func(PhoneFix) error {
		n++
		if n == 10 {
			return stop
		}
		return nil
	}); err != stop || n != 10 {
		t.Errorf("Fixes returned %v after %d fixes", err, n)
	}
	if err := (&Ward{}).Fixes(func(PhoneFix) error { return nil }); err == nil {
		t.Error("Fixes of a hand-made ward: no error")
	}
}

func TestFixesOrder(t *testing.T) {
	w := ward(t, 2, testDay)
	// Device by device; within a device, patrols in night order, the late fixes after the others.
	devIdx := map[string]int{}
	for i, o := range w.Officers {
		devIdx[o.DeviceID] = i
	}
	lastDev := -1
	var lastOnTime time.Time
	err := w.Fixes(func(f PhoneFix) error {
		d := devIdx[f.Device]
		if d < lastDev {
			return fmt.Errorf("device %s after device %d", f.Device, lastDev)
		}
		if d > lastDev {
			lastDev, lastOnTime = d, time.Time{}
		}
		if f.Late {
			return nil
		}
		if f.Time.Before(lastOnTime) {
			return fmt.Errorf("%s: %v after %v", f.Device, f.Time, lastOnTime)
		}
		lastOnTime = f.Time
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

func TestHotspots(t *testing.T) {
	type run struct {
		seed int64
		day  time.Time
	}
	var runs []run
	for _, seed := range testSeeds {
		for _, day := range testDays {
			runs = append(runs, run{seed, day})
		}
	}
	for seed := int64(100); seed < 116; seed++ { // more seeds, on days a month or so apart
		runs = append(runs, run{seed, testDay.AddDate(0, 0, int(37*(seed-100)))})
	}
	for _, r := range runs {
		seed, day := r.seed, r.day
		t.Run(fmt.Sprintf("seed %d %s", seed, day.Format(time.DateOnly)), func(t *testing.T) {
			w := ward(t, seed, day)
			study := studyCells(t, w)
			var cluster []h3.Cell
			for _, s := range w.ClusterCells {
				cluster = append(cluster, h3.CellFromString(s))
			}
			disk := map[h3.Cell]bool{}
			for _, c := range cluster {
				ring, err := c.GridDisk(1)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range ring {
					disk[r] = true
				}
			}

			// The last six weeks: the cluster is the one hot spot. With GridDisk(1) neighbourhoods a
			// cell next to a cluster cell shares its count, so the hot spot is the cluster cells
			// and their ring, all hot; nothing else may be significant.
			last := w.Day.AddDate(0, 0, -42)
			hs := hotspots(t, w, study, last, w.Day)
			var sig []h3.Cell
			for _, h := range hs {
				if h.sig {
					sig = append(sig, h.cell)
					if h.z <= 0 || !disk[h.cell] {
						t.Errorf("last 6 weeks: significant cell %s (z %.2f) is not a hot cell of the cluster", h.cell, h.z)
					}
				}
			}
			for _, c := range cluster {
				if !slices.Contains(sig, c) {
					t.Errorf("last 6 weeks: the cluster cell %s is not significant (significant: %v)", c, sig)
				}
			}
			crossCheck(t, hs, "last 6 weeks")

			// Earlier periods: nothing.
			type window struct {
				name     string
				from, to time.Time
			}
			start := w.Day.AddDate(0, 0, -IncidentDays)
			windows := []window{{"the 10.5 months before", start, last}}
			for to := last; !to.AddDate(0, 0, -42).Before(start); to = to.AddDate(0, 0, -14) {
				windows = append(windows, window{"6 weeks", to.AddDate(0, 0, -42), to})
			}
			for to := last; !to.AddDate(0, -3, 0).Before(start); to = to.AddDate(0, -1, 0) {
				windows = append(windows, window{"3 months", to.AddDate(0, -3, 0), to})
			}
			for _, win := range windows {
				hs := hotspots(t, w, study, win.from, win.to)
				for _, h := range hs {
					if h.sig {
						t.Errorf("%s %s–%s: cell %s significant (count %v, z %.2f)", win.name,
							win.from.Format(time.DateOnly), win.to.Format(time.DateOnly), h.cell, h.count, h.z)
					}
				}
				crossCheck(t, hs, win.name)
			}
		})
	}
}

// hotspot is one cell of the test's own Gi* analysis.
type hotspot struct {
	cell  h3.Cell
	count float64
	z, p  float64
	sig   bool
}

// hotspots is a small Gi* written for this test: the study cells plus the cells holding an
// incident of [from, to), counts of incidents, neighbours = GridDisk(1) ∩ cells with the cell
// itself, binary weights, two-sided normal p, Benjamini-Hochberg at 0.05.
func hotspots(t *testing.T, w *Ward, study []h3.Cell, from, to time.Time) []hotspot {
	t.Helper()
	count := map[h3.Cell]float64{}
	for _, c := range study {
		count[c] = 0
	}
	for _, in := range w.Incidents {
		if in.Time.Before(from) || !in.Time.Before(to) {
			continue
		}
		c, err := h3.LatLngToCell(h3.NewLatLng(in.Point[1], in.Point[0]), w.H3Res)
		if err != nil {
			t.Fatal(err)
		}
		count[c]++
	}
	cells := make([]h3.Cell, 0, len(count))
	for c := range count {
		cells = append(cells, c)
	}
	slices.Sort(cells)
	n := float64(len(cells))
	x := make([]float64, len(cells))
	sum, sum2 := 0.0, 0.0
	for i, c := range cells {
		x[i] = count[c]
		sum += x[i]
		sum2 += x[i] * x[i]
	}
	mean := sum / n
	s := math.Sqrt(sum2/n - mean*mean)
	out := make([]hotspot, len(cells))
	p := make([]float64, len(cells))
	for i, c := range cells {
		disk, err := c.GridDisk(1)
		if err != nil {
			t.Fatal(err)
		}
		local, wi := 0.0, 0.0
		for _, d := range disk {
			if v, ok := count[d]; ok {
				local += v
				wi++
			}
		}
		z := 0.0
		if den := s * math.Sqrt((n*wi-wi*wi)/(n-1)); den > 0 {
			z = (local - mean*wi) / den
		}
		p[i] = math.Erfc(math.Abs(z) / math.Sqrt2)
		out[i] = hotspot{cell: c, count: x[i], z: z, p: p[i]}
	}
	for i, ok := range benjaminiHochberg(p, 0.05) {
		out[i].sig = ok
	}
	return out
}

// benjaminiHochberg marks the p-values that pass the BH step-up procedure at alpha.
func benjaminiHochberg(p []float64, alpha float64) []bool {
	sorted := slices.Clone(p)
	slices.Sort(sorted)
	m := float64(len(p))
	cut := -1.0
	for k, v := range sorted {
		if v <= float64(k+1)*alpha/m {
			cut = v
		}
	}
	out := make([]bool, len(p))
	for i, v := range p {
		out[i] = v <= cut
	}
	return out
}

// crossCheck runs the project's own Gi* (package geo) on the same counts and expects the same
// significant cells.
func crossCheck(t *testing.T, hs []hotspot, name string) {
	t.Helper()
	cells := make([]h3.Cell, len(hs))
	counts := make([]float64, len(hs))
	for i, h := range hs {
		cells[i], counts[i] = h.cell, h.count
	}
	got, err := pgeo.Hotspots(cells, counts, 1, 0.05)
	if err != nil {
		t.Fatalf("%s: geo.Hotspots: %v", name, err)
	}
	for i, g := range got {
		if g.Significant != hs[i].sig || math.Abs(g.Z-hs[i].z) > 1e-9 {
			t.Errorf("%s: cell %s: geo.Hotspots says z %.4f significant %v, the test's Gi* z %.4f significant %v",
				name, g.Cell, g.Z, g.Significant, hs[i].z, hs[i].sig)
		}
	}
}

// studyCells is the res-10 cells whose centres lie in the boundary.
func studyCells(t *testing.T, w *Ward) []h3.Cell {
	t.Helper()
	var loop h3.GeoLoop
	ring := w.Boundary[0]
	for _, p := range ring[:len(ring)-1] {
		loop = append(loop, h3.NewLatLng(p[1], p[0]))
	}
	cells, err := h3.PolygonToCells(h3.GeoPolygon{GeoLoop: loop}, w.H3Res)
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) < 200 || len(cells) > 320 {
		t.Fatalf("%d study cells", len(cells))
	}
	return cells
}

// areaShape tells whether a fix is at a key area: within 30 m of its polygon, or within its
// buffer plus 10 m of its line.
type areaShape struct {
	name string
	near func(orb.Point) bool
}

func keyAreaShapes(w *Ward) []areaShape {
	var out []areaShape
	for _, a := range w.KeyAreas {
		switch g := a.Geometry.(type) {
		case orb.Polygon:
			out = append(out, areaShape{a.Name, func(p orb.Point) bool {
				return pointInRing(g[0], p) || lineDistM(orb.LineString(g[0]), p) <= 30
			}})
		case orb.LineString:
			buf := a.BufferM + 10
			out = append(out, areaShape{a.Name, func(p orb.Point) bool { return lineDistM(g, p) <= buf }})
		}
	}
	return out
}

// lineDistM is the distance in metres from p to a line, in the demo's plane.
func lineDistM(l orb.LineString, p orb.Point) float64 {
	pts := make([]vec, len(l))
	for i, q := range l {
		pts[i] = fromPoint(q)
	}
	return lineDist(pts, fromPoint(p))
}

func inBoundary(w *Ward, p orb.Point) bool { return pointInRing(w.Boundary[0], p) }

// distToBoundary is 0 inside the boundary, else the distance to it in metres.
func distToBoundary(w *Ward, p orb.Point) float64 {
	if inBoundary(w, p) {
		return 0
	}
	return lineDistM(orb.LineString(w.Boundary[0]), p)
}

// nearAnyEdge reports whether p is within 0.5 m of a group's outline, where the even-odd test
// may go either way.
func nearAnyEdge(w *Ward, p orb.Point) bool {
	for _, g := range w.Groups {
		if lineDistM(orb.LineString(g.Geometry.(orb.Polygon)[0]), p) < 0.5 {
			return true
		}
	}
	return false
}

// pointInRing is an even-odd test written for the tests, apart from the package's own.
func pointInRing(r orb.Ring, p orb.Point) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < a[0]+(p[1]-a[1])/(b[1]-a[1])*(b[0]-a[0]) {
			in = !in
		}
	}
	return in
}

// simpleRing reports whether no two non-adjacent edges of a closed ring touch and no edge is
// empty.
func simpleRing(r orb.Ring) bool {
	n := len(r) - 1
	for i := range n {
		if r[i] == r[i+1] {
			return false
		}
		for j := i + 2; j < n; j++ {
			if i == 0 && j == n-1 {
				continue
			}
			if segmentsTouch(r[i], r[i+1], r[j], r[j+1]) {
				return false
			}
		}
	}
	return true
}

func segmentsTouch(a, b, c, d orb.Point) bool {
	o := func(p, q, r orb.Point) float64 {
		return (q[0]-p[0])*(r[1]-p[1]) - (q[1]-p[1])*(r[0]-p[0])
	}
	// on reports whether r, collinear with pq, lies within the box of pq.
	on := func(p, q, r orb.Point) bool {
		return math.Min(p[0], q[0]) <= r[0] && r[0] <= math.Max(p[0], q[0]) &&
			math.Min(p[1], q[1]) <= r[1] && r[1] <= math.Max(p[1], q[1])
	}
	d1, d2, d3, d4 := o(c, d, a), o(c, d, b), o(a, b, c), o(a, b, d)
	if d1*d2 < 0 && d3*d4 < 0 {
		return true
	}
	return (d1 == 0 && on(c, d, a)) || (d2 == 0 && on(c, d, b)) || (d3 == 0 && on(a, b, c)) || (d4 == 0 && on(a, b, d))
}
