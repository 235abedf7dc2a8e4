package night

import (
	"context"
	"slices"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// replayedNight is a crafted night of the test ward: key area A ("Chợ") is met by a stay of
// 22:58–23:10 (minimum 10 min); B ("Trường") is only passed by, 2 minutes at 23:20, and has its
// own deadline 00:30; C ("Công trường") is never visited and takes the unit's deadline 02:00.
// Device d2 patrols hot spot cell H 22:10–22:25 and 01:00–01:12.
type replayedNight struct {
	repo    *fakeRepo
	unit    patrol.Unit
	night   geo.Date
	a, b, c spot
	h       spot
}

// local is a local time on the night's date plus days.
func (r replayedNight) local(days, hour, min int) time.Time {
	d := r.night.AddDays(days)
	return time.Date(d.Year, d.Month, d.Day, hour, min, 0, 0, Zone(r.unit))
}

func newReplayedNight(t *testing.T, d geo.Date, zone string) replayedNight {
	t.Helper()
	u := patrol.Unit{ID: 1, Code: "w1", TimeZone: zone, NightStart: "22:00", NightEnd: "05:00", H3Res: 10,
		NightDeadline: "02:00", Boundary: []byte(`{"type":"Polygon"}`)}
	r := replayedNight{unit: u, night: d,
		a: newSpot(t, 105.8480, 21.4680), b: newSpot(t, 105.8520, 21.4690), c: newSpot(t, 105.8500, 21.4720),
		h: newSpot(t, 105.8460, 21.4730)}
	areas := []patrol.Area{
		{ID: 11, UnitID: 1, Kind: patrol.KindKeyArea, Name: "Chợ", Geometry: r.a.square(), RequiredNightVisits: 1, MinDwellMin: 10, Deadline: "23:30"},
		{ID: 12, UnitID: 1, Kind: patrol.KindKeyArea, Name: "Trường", Geometry: r.b.square(), RequiredNightVisits: 1, MinDwellMin: 10, Deadline: "00:30"},
		{ID: 13, UnitID: 1, Kind: patrol.KindKeyArea, Name: "Công trường", Geometry: r.c.square(), RequiredNightVisits: 1, MinDwellMin: 10},
		{ID: 14, UnitID: 1, Kind: patrol.KindResidentialGroup, Name: "Tổ 1", Geometry: r.c.square(), RequiredNightVisits: 1},
	}
	d1 := slices.Concat(stay(r.a, r.local(0, 22, 58), r.local(0, 23, 10)), stay(r.b, r.local(0, 23, 20), r.local(0, 23, 22)))
	d2 := slices.Concat(stay(r.h, r.local(0, 22, 10), r.local(0, 22, 25)), stay(r.h, r.local(1, 1, 0), r.local(1, 1, 12)))
	// The study area: H's disk of radius 6, incidents on H and its ring.
	disk, err := h3.GridDisk(r.h.cell, 6)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(disk)
	ring, _ := h3.GridDisk(r.h.cell, 1)
	counts := make([]float64, len(disk))
	for i, c := range disk {
		if slices.Contains(ring, c) {
			counts[i] = 4
		}
	}
	r.repo = &fakeRepo{unit: u, areas: areas, fixes: map[string][]patrol.Fix{"1": d1, "2": d2}, cubeCells: disk, cubeCount: counts}
	return r
}

func statuses(b Board) map[string]Status {
	out := map[string]Status{}
	for _, a := range b.Areas {
		out[a.Area.Name] = a.Status
	}
	return out
}

func TestBoardReplayedNight(t *testing.T) {
	nights := []struct {
		name, zone string
		night      geo.Date
		longerMin  float64 // the autumn night is an hour longer after 03:00
	}{
		{"leap day", "Asia/Ho_Chi_Minh", geo.Date{Year: 2024, Month: time.February, Day: 29}, 0},
		{"month end", "Asia/Ho_Chi_Minh", geo.Date{Year: 2024, Month: time.March, Day: 31}, 0},
		{"first of month", "Asia/Ho_Chi_Minh", geo.Date{Year: 2026, Month: time.December, Day: 1}, 0},
		{"7th", "Asia/Ho_Chi_Minh", geo.Date{Year: 2026, Month: time.December, Day: 7}, 0},
		{"year end", "Asia/Ho_Chi_Minh", geo.Date{Year: 2026, Month: time.December, Day: 31}, 0},
		{"DST autumn (Berlin)", "Europe/Berlin", geo.Date{Year: 2024, Month: time.October, Day: 26}, 60},
	}
	instants := []struct {
		name          string
		days, h, m    int
		a, b, c       Status
		aVisits       int
		bPasses       int
		hVisits       int
		hDosage       bool
		hLongestAtMin float64 // 0: not checked
	}{
		{"before the night", 0, 21, 0, StatusPending, StatusPending, StatusPending, 0, 0, 0, true, 0},
		{"22:30", 0, 22, 30, StatusPending, StatusPending, StatusPending, 0, 0, 1, true, 10},
		{"23:05 mid-stay, under the minimum", 0, 23, 5, StatusPending, StatusPending, StatusPending, 0, 0, 1, true, 40},
		{"23:11 met", 0, 23, 11, StatusMet, StatusPending, StatusPending, 1, 0, 1, true, 46},
		{"23:25 B passed by", 0, 23, 25, StatusMet, StatusPending, StatusPending, 1, 1, 1, true, 60},
		{"00:29", 1, 0, 29, StatusMet, StatusPending, StatusPending, 1, 1, 1, false, 124},
		{"00:30 B overdue", 1, 0, 30, StatusMet, StatusOverdue, StatusPending, 1, 1, 1, false, 125},
		{"02:00 C overdue", 1, 2, 0, StatusMet, StatusOverdue, StatusOverdue, 1, 1, 2, false, 155},
		{"04:59", 1, 4, 59, StatusMet, StatusOverdue, StatusOverdue, 1, 1, 2, false, 227},
		{"05:00 missed", 1, 5, 0, StatusMet, StatusMissed, StatusMissed, 1, 1, 2, false, 228},
		{"next noon", 1, 12, 0, StatusMet, StatusMissed, StatusMissed, 1, 1, 2, false, 228},
	}
	for _, n := range nights {
		t.Run(n.name, func(t *testing.T) {
			r := newReplayedNight(t, n.night, n.zone)
			for _, tc := range instants {
				at := r.local(tc.days, tc.h, tc.m)
				b, err := Tonight(context.Background(), r.repo, r.unit, r.night, at, Options{})
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				got := statuses(b)
				if len(b.Areas) != 3 {
					t.Fatalf("%s: %d areas, want the 3 key areas: %v", tc.name, len(b.Areas), got)
				}
				if got["Chợ"] != tc.a || got["Trường"] != tc.b || got["Công trường"] != tc.c {
					t.Errorf("%s: statuses %v, want Chợ %s, Trường %s, Công trường %s", tc.name, got, tc.a, tc.b, tc.c)
				}
				a, bb := b.Areas[0], b.Areas[1]
				if a.Visits != tc.aVisits || len(a.DwellMin) != tc.aVisits {
					t.Errorf("%s: Chợ visits %d dwell %v, want %d", tc.name, a.Visits, a.DwellMin, tc.aVisits)
				}
				if tc.aVisits == 1 && (a.DwellMin[0] < 11.9 || a.DwellMin[0] > 12.1 || !a.LastVisit.Equal(r.local(0, 23, 10)) ||
					!slices.Equal(a.Officers, []string{"d1"})) {
					t.Errorf("%s: Chợ dwell %v last %v officers %v, want 12 min, left 23:10, d1", tc.name, a.DwellMin, a.LastVisit, a.Officers)
				}
				if len(bb.Passes) != tc.bPasses || bb.Visits != 0 {
					t.Errorf("%s: Trường passes %v visits %d, want %d passes and no visit", tc.name, bb.Passes, bb.Visits, tc.bPasses)
				}
				if bb.Deadline != "00:30" || !bb.DeadlineAt.Equal(r.local(1, 0, 30)) || b.Areas[2].Deadline != "02:00" {
					t.Errorf("%s: deadlines %s at %v and %s", tc.name, bb.Deadline, bb.DeadlineAt, b.Areas[2].Deadline)
				}
				var h *HotspotDosage
				for i := range b.Hotspots {
					if b.Hotspots[i].Cell == r.h.cell {
						h = &b.Hotspots[i]
					}
				}
				if h == nil {
					t.Fatalf("%s: H is not among the hot spots %v", tc.name, b.Hotspots)
				}
				if h.Visits != tc.hVisits || h.DosageMet != tc.hDosage {
					t.Errorf("%s: H visits %d dosage %v (longest gap %.1f), want %d, %v", tc.name, h.Visits, h.DosageMet, h.LongestGapMin, tc.hVisits, tc.hDosage)
				}
				want := tc.hLongestAtMin
				if tc.days == 1 && tc.h >= 3 {
					want += n.longerMin
				}
				if want > 0 && (h.LongestGapMin < want-0.6 || h.LongestGapMin > want+0.6) {
					t.Errorf("%s: H longest gap %.1f min, want %.0f", tc.name, h.LongestGapMin, want)
				}
			}
		})
	}
}

func TestBoardBeforeTheNightReadsNoFixes(t *testing.T) {
	r := newReplayedNight(t, geo.Date{Year: 2024, Month: time.February, Day: 29}, "Asia/Ho_Chi_Minh")
	b, err := Tonight(context.Background(), r.repo, r.unit, r.night, r.local(0, 12, 0), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.repo.calls != 0 || b.Over() {
		t.Fatalf("coverage read %d times, over %v; want no read before the night starts", r.repo.calls, b.Over())
	}
}

func TestBoardWithoutHotspots(t *testing.T) {
	r := newReplayedNight(t, geo.Date{Year: 2024, Month: time.March, Day: 1}, "Asia/Ho_Chi_Minh")
	r.repo.cubeCells = nil // the analysis has too little input: no hot spots, no failure
	b, err := Tonight(context.Background(), r.repo, r.unit, r.night, r.local(1, 1, 0), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Hotspots) != 0 || len(b.Areas) != 3 {
		t.Fatalf("hot spots %v, areas %d", b.Hotspots, len(b.Areas))
	}
}

func TestDeadlineAt(t *testing.T) {
	hcm, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	berlin, _ := time.LoadLocation("Europe/Berlin")
	nw := geo.DefaultNightWindow()
	day := geo.Date{Year: 2024, Month: time.February, Day: 29}
	for _, tc := range []struct {
		name  string
		d     geo.Date
		c     string
		loc   *time.Location
		nw    geo.NightWindow
		want  time.Time
		valid bool
	}{
		{"before midnight", day, "23:30", hcm, nw, time.Date(2024, 2, 29, 23, 30, 0, 0, hcm), true},
		{"after midnight is the next day (1 March)", day, "02:00", hcm, nw, time.Date(2024, 3, 1, 2, 0, 0, 0, hcm), true},
		{"night end", day, "05:00", hcm, nw, time.Date(2024, 3, 1, 5, 0, 0, 0, hcm), true},
		{"midnight of 31 December", geo.Date{Year: 2026, Month: 12, Day: 31}, "00:00", hcm, nw, time.Date(2027, 1, 1, 0, 0, 0, 0, hcm), true},
		{"outside clamps to the end", day, "12:00", hcm, nw, time.Date(2024, 3, 1, 5, 0, 0, 0, hcm), false},
		{"the start itself is outside", day, "22:00", hcm, nw, time.Date(2024, 3, 1, 5, 0, 0, 0, hcm), false},
		{"spring forward skips 02:30", geo.Date{Year: 2024, Month: 3, Day: 30}, "02:30", berlin, nw,
			time.Date(2024, 3, 31, 3, 30, 0, 0, berlin), true},
		{"a window inside one day", day, "03:00", hcm, geo.NightWindow{Start: 60, End: 300}, time.Date(2024, 2, 29, 3, 0, 0, 0, hcm), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := geo.ParseClock(tc.c)
			if err != nil {
				t.Fatal(err)
			}
			if got := DeadlineAt(tc.nw, tc.d, c, tc.loc); !got.Equal(tc.want) {
				t.Errorf("DeadlineAt = %v, want %v", got, tc.want)
			}
			if got := CheckDeadline(tc.nw, tc.c) == nil; got != tc.valid {
				t.Errorf("CheckDeadline valid = %v, want %v", got, tc.valid)
			}
		})
	}
	if err := CheckDeadline(nw, "2:0"); err == nil {
		t.Error("CheckDeadline accepted 2:0")
	}
}

func TestOf(t *testing.T) {
	u := patrol.Unit{TimeZone: "Asia/Ho_Chi_Minh", NightStart: "22:00", NightEnd: "05:00"}
	loc := Zone(u)
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2024, 3, 1, 3, 0, 0, 0, loc), "2024-02-29"},
		{time.Date(2024, 3, 1, 5, 0, 0, 0, loc), "2024-03-01"},
		{time.Date(2024, 2, 29, 23, 0, 0, 0, loc), "2024-02-29"},
		{time.Date(2024, 2, 29, 12, 0, 0, 0, loc), "2024-02-29"},
		{time.Date(2027, 1, 1, 0, 30, 0, 0, loc), "2026-12-31"},
	} {
		if got := Of(u, tc.at).String(); got != tc.want {
			t.Errorf("Of(%v) = %s, want %s", tc.at, got, tc.want)
		}
	}
}
