package reporting

import (
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
)

var hcm = mustZone("Asia/Ho_Chi_Minh")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// ward is a crafted study area: GridDisk(6) around a centre at resolution 10 (127 cells).
type ward struct {
	centre h3.Cell
	study  []h3.Cell
	from   time.Time
}

func newWard(t *testing.T) ward {
	t.Helper()
	c, err := geo.CellOf(orb.Point{105.8342, 21.0278}, 10)
	if err != nil {
		t.Fatal(err)
	}
	study, err := h3.GridDisk(c, 6)
	if err != nil {
		t.Fatal(err)
	}
	return ward{centre: c, study: study, from: time.Date(2026, 10, 1, 0, 0, 0, 0, hcm)}
}

// cellAt returns a cell at grid distance ring from the centre (the i-th of that ring).
func (w ward) cellAt(t *testing.T, ring, i int) h3.Cell {
	t.Helper()
	if ring == 0 {
		return w.centre
	}
	cells, err := h3.GridRing(w.centre, ring)
	if err != nil {
		t.Fatal(err)
	}
	return cells[i%len(cells)]
}

// at returns an incident at 23:00 local on day d of the period (0-based).
func (w ward) at(cell h3.Cell, cat string, day int) Incident {
	return Incident{Time: w.from.AddDate(0, 0, day).Add(23 * time.Hour), Cell: cell, Category: cat}
}

func TestJudgeCraftedCases(t *testing.T) {
	w := newWard(t)
	// spread returns n incidents of cat scattered over the outer rings, one a day.
	spread := func(cat string, n int) []Incident {
		var out []Incident
		for i := 0; i < n; i++ {
			out = append(out, w.at(w.cellAt(t, 4+i%3, 5*i), cat, i))
		}
		return out
	}
	repeat := func(cell h3.Cell, cat string, days ...int) []Incident {
		var out []Incident
		for _, d := range days {
			out = append(out, w.at(cell, cat, d))
		}
		return out
	}
	join := func(lists ...[]Incident) []Incident {
		var out []Incident
		for _, l := range lists {
			out = append(out, l...)
		}
		return out
	}
	type want struct {
		verdict string
		groups  []string // the groups of the problem hotspots, in order
		method  string   // of the first problem hotspot
		minInc  int      // of the first problem hotspot
		weeks   int
	}
	cases := []struct {
		name           string
		incidents      []Incident
		nights, withFx int
		want           want
	}{
		{"empty period, no patrols", nil, 42, 0, want{verdict: VerdictInsufficient}},
		{"empty period, patrolled", nil, 42, 42, want{verdict: VerdictPass}},
		{"no nights at all", nil, 0, 0, want{verdict: VerdictInsufficient}},
		{"patrols on fewer than half the nights", nil, 42, 20, want{verdict: VerdictInsufficient}},
		{"patrols on exactly half the nights", nil, 42, 21, want{verdict: VerdictPass}},
		{"one incident", repeat(w.centre, "theft", 3), 42, 42, want{verdict: VerdictPass}},
		{"six drug incidents in one place on one night",
			repeat(w.centre, "drugs", 5, 5, 5, 5, 5, 5), 42, 42, want{verdict: VerdictPass}},
		{"six drug incidents in one place on four weeks",
			repeat(w.centre, "drugs", 0, 1, 8, 15, 16, 22), 42, 42,
			want{verdict: VerdictFail, groups: []string{GroupDrugs}, method: MethodCount, minInc: 6, weeks: 4}},
		{"the same place with patrols missing is still a fail",
			repeat(w.centre, "drugs", 0, 1, 8, 15, 16, 22), 42, 3,
			want{verdict: VerdictFail, groups: []string{GroupDrugs}, method: MethodCount, minInc: 6, weeks: 4}},
		{"five drug incidents on two weeks", repeat(w.centre, "drugs", 0, 1, 2, 8, 9), 42, 42, want{verdict: VerdictPass}},
		{"four drug incidents on four weeks", repeat(w.centre, "drugs", 0, 8, 15, 22), 42, 42, want{verdict: VerdictPass}},
		{"five drug incidents on three weeks in neighbouring cells",
			join(repeat(w.centre, "drugs", 0, 8), repeat(w.cellAt(t, 1, 0), "drugs", 15, 16), repeat(w.cellAt(t, 1, 3), "drugs", 22)), 42, 42,
			want{verdict: VerdictFail, groups: []string{GroupDrugs}, method: MethodCount, minInc: 5, weeks: 4}},
		{"five drug incidents on three weeks far apart",
			join(repeat(w.centre, "drugs", 0, 8), repeat(w.cellAt(t, 5, 0), "drugs", 15, 16), repeat(w.cellAt(t, 5, 15), "drugs", 22)), 42, 42,
			want{verdict: VerdictPass}},
		{"gambling and prostitution are one group",
			join(repeat(w.centre, "gambling", 0, 8, 15), repeat(w.centre, "prostitution", 16, 22, 29)), 42, 42,
			want{verdict: VerdictFail, groups: []string{GroupSocialEvils}, method: MethodCount, minInc: 6, weeks: 5}},
		{"theft and drugs are judged apart",
			join(repeat(w.centre, "theft", 0, 8, 15), repeat(w.centre, "drugs", 16, 22, 29)), 42, 42, want{verdict: VerdictPass}},
		{"traffic accidents are judged by no group",
			repeat(w.centre, "traffic_accident", 0, 1, 8, 15, 16, 22, 29, 36), 42, 42, want{verdict: VerdictPass}},
		{"thirty crime incidents spread out: Gi* finds no hot spot",
			spread("theft", 30), 42, 42, want{verdict: VerdictPass}},
		{"a Gi* crime hot spot over four weeks",
			join(spread("theft", 30), repeat(w.centre, "robbery", 0, 1, 8, 9, 15, 22, 23, 29),
				repeat(w.cellAt(t, 1, 0), "theft", 2, 10, 17, 24), repeat(w.cellAt(t, 1, 1), "disorder", 3, 11, 18, 25)), 42, 42,
			want{verdict: VerdictFail, groups: []string{GroupCrime}, method: MethodGiStar, minInc: 16, weeks: 5}},
		{"a Gi* crime hot spot on one night is no problem hotspot",
			join(spread("theft", 30), repeat(w.centre, "robbery", 3, 3, 3, 3, 3, 3, 3, 3),
				repeat(w.cellAt(t, 1, 0), "theft", 3, 3, 3, 3), repeat(w.cellAt(t, 1, 1), "disorder", 3, 3, 3, 3)), 42, 42, want{verdict: VerdictPass}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Judge(VerdictInput{Study: w.study, Incidents: tc.incidents, From: w.from, Location: hcm,
				Nights: tc.nights, NightsWithFixes: tc.withFx, Settings: DefaultSettings()})
			if err != nil {
				t.Fatal(err)
			}
			if v.Value != tc.want.verdict {
				t.Fatalf("verdict %s, want %s (hotspots %+v)", v.Value, tc.want.verdict, v.Hotspots())
			}
			hs := v.Hotspots()
			if len(hs) != len(tc.want.groups) {
				t.Fatalf("%d problem hotspots %+v, want groups %v", len(hs), hs, tc.want.groups)
			}
			for i, g := range tc.want.groups {
				if hs[i].Group != g {
					t.Errorf("hotspot %d group %s, want %s", i, hs[i].Group, g)
				}
			}
			if len(hs) == 0 {
				return
			}
			h := hs[0]
			if h.Method != tc.want.method || h.Incidents < tc.want.minInc || h.Weeks != tc.want.weeks {
				t.Errorf("hotspot %s/%d incidents/%d weeks, want %s/≥%d/%d", h.Method, h.Incidents, h.Weeks, tc.want.method, tc.want.minInc, tc.want.weeks)
			}
			if (h.Z != nil) != (h.Method == MethodGiStar) {
				t.Errorf("z %v for method %s", h.Z, h.Method)
			}
			if h.Z != nil && *h.Z < 1.96 {
				t.Errorf("z = %v, want a hot spot's", *h.Z)
			}
			if len(h.Cells) == 0 {
				t.Error("a problem hotspot without cells")
			}
		})
	}
}

func TestJudgeThresholdsAreSettings(t *testing.T) {
	w := newWard(t)
	in := VerdictInput{Study: w.study, From: w.from, Location: hcm, Nights: 10, NightsWithFixes: 10, Settings: DefaultSettings()}
	for _, d := range []int{0, 7, 14} {
		in.Incidents = append(in.Incidents, w.at(w.centre, "drugs", d))
	}
	v, err := Judge(in)
	if err != nil || v.Value != VerdictPass {
		t.Fatalf("defaults: %v %v, want pass", v.Value, err)
	}
	in.Settings.MinIncidents = 3
	if v, err = Judge(in); err != nil || v.Value != VerdictFail {
		t.Fatalf("min_incidents 3: %v %v, want fail", v.Value, err)
	}
	in.Settings.MinWeeks = 4
	if v, err = Judge(in); err != nil || v.Value != VerdictPass {
		t.Fatalf("min_weeks 4: %v %v, want pass", v.Value, err)
	}
	in.Settings.MinIncidents = 0
	if _, err = Judge(in); err == nil {
		t.Fatal("min_incidents 0 accepted")
	}
}

func TestWeekOf(t *testing.T) {
	from := time.Date(2024, 3, 1, 0, 0, 0, 0, hcm)
	cases := []struct {
		t    time.Time
		want int
	}{
		{from, 0},
		{time.Date(2024, 3, 7, 23, 59, 0, 0, hcm), 0},
		{time.Date(2024, 3, 8, 0, 0, 0, 0, hcm), 1},
		{time.Date(2024, 3, 7, 17, 30, 0, 0, time.UTC), 1}, // 00:30 on the 8th in Hà Nội
		{time.Date(2024, 2, 29, 12, 0, 0, 0, hcm), -1},
	}
	for _, tc := range cases {
		if got := weekOf(tc.t, from, hcm); got != tc.want {
			t.Errorf("weekOf(%v) = %d, want %d", tc.t, got, tc.want)
		}
	}
	// Across a daylight-saving change weeks stay seven calendar days.
	ny := mustZone("America/New_York")
	start := time.Date(2024, 3, 3, 0, 0, 0, 0, ny)
	if got := weekOf(time.Date(2024, 3, 10, 0, 30, 0, 0, ny), start, ny); got != 1 {
		t.Errorf("after the spring change: week %d, want 1", got)
	}
	if got := weekOf(time.Date(2024, 3, 9, 23, 30, 0, 0, ny), start, ny); got != 0 {
		t.Errorf("before the spring change: week %d, want 0", got)
	}
}

// TestLines judges the key-area and coverage lines with their thresholds: a key area passes on
// at least KeyAreaNightsPct percent of the nights, coverage with at most MaxUnpatrolledPct
// percent of the cells never patrolled; no nights passes neither.
func TestLines(t *testing.T) {
	cells := make([]h3.Cell, 10)
	dates := make([]geo.Date, 10)
	area := func(met int) KeyArea { return KeyArea{Nights: 10, NightsMet: met} }
	for _, tc := range []struct {
		name          string
		met           []int // nights met of each key area, of 10
		gaps          int   // study cells never patrolled, of 10
		nights        []geo.Date
		keyPct, cover int
		below         int
		keyOK, coverO bool
	}{
		{"defaults: every night, no gap", []int{10, 10}, 0, dates, 100, 0, 0, true, true},
		{"defaults: one night missed, one gap", []int{10, 9}, 1, dates, 100, 0, 1, false, false},
		{"90 % of nights, 10 % of cells", []int{10, 9}, 1, dates, 90, 10, 0, true, true},
		{"just under the thresholds", []int{8, 9}, 2, dates, 90, 10, 1, false, false},
		{"no key areas", nil, 0, dates, 100, 0, 0, true, true},
		{"no nights", nil, 0, nil, 100, 100, 0, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cov := Coverage{Study: cells, Nights: tc.nights, Gaps: make([]CoverageGap, tc.gaps)}
			for _, m := range tc.met {
				cov.KeyAreas = append(cov.KeyAreas, area(m))
			}
			s := DefaultSettings()
			s.KeyAreaNightsPct, s.MaxUnpatrolledPct = tc.keyPct, tc.cover
			below, keyOK, coverOK := Lines(cov, s)
			if below != tc.below || keyOK != tc.keyOK || coverOK != tc.coverO {
				t.Errorf("Lines = %d below, key areas %v, coverage %v; want %d, %v, %v", below, keyOK, coverOK, tc.below, tc.keyOK, tc.coverO)
			}
		})
	}
}
