package coverage_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/app/apptest"
	"github.com/patrolmap/patrolmap/app/coverage"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

func TestStateAt(t *testing.T) {
	end := time.Date(2024, 3, 2, 5, 0, 0, 0, hcm)
	tests := []struct {
		name string
		met  bool
		now  time.Time
		want coverage.NightState
	}{
		{"not begun, not met", false, end.Add(-9 * time.Hour), coverage.NightOpen},
		{"under way, not met", false, end.Add(-time.Second), coverage.NightOpen},
		{"met early", true, end.Add(-3 * time.Hour), coverage.NightMet},
		{"over at its end, not met", false, end, coverage.NightMissed},
		{"over long ago, not met", false, end.AddDate(0, 1, 0), coverage.NightMissed},
		{"over, met", true, end.Add(time.Hour), coverage.NightMet},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := coverage.StateAt(tc.met, end, tc.now); got != tc.want {
				t.Fatalf("StateAt(%v, %s, %s) = %s, want %s", tc.met, end, tc.now, got, tc.want)
			}
		})
	}
}

// openCase is one clock reading over a period whose last night is tonight: the states wanted
// night by night, and the judged and met counts they make.
type openCase struct {
	name   string
	now    time.Time
	visits []geo.Date // nights with a counted visit
	want   []coverage.NightState
}

// checkOpen runs Compliance for one key area over p in unit u, with a 15-minute visit at
// visitAt(d) on each night d of tc.visits, and compares the nights' states and the counts.
func checkOpen(t *testing.T, u patrol.Unit, p geo.Period, visitAt func(geo.Date) time.Time, tc openCase) {
	t.Helper()
	cell := studyOf(t)[3]
	db := &apptest.Store{Areas: []patrol.Area{apptest.KeyAreaOn(1, "Chợ Đêm", cell)}}
	for _, d := range tc.visits {
		enter := visitAt(d)
		db.Visits = append(db.Visits, geo.CellVisit{Device: "p1", Cell: cell, Enter: enter.UTC(),
			Leave: enter.Add(15 * time.Minute).UTC(), DwellS: 900, Nights: []geo.Date{d}})
	}
	areas, _, err := coverage.Compliance(context.Background(), db, u, p, tc.now)
	if err != nil {
		t.Fatal(err)
	}
	if len(areas) != 1 {
		t.Fatalf("%d areas", len(areas))
	}
	a := &areas[0]
	var got []coverage.NightState
	met, open := 0, 0
	for _, n := range a.Nights {
		got = append(got, n.State())
		switch n.State() {
		case coverage.NightMet:
			met++
		case coverage.NightOpen:
			open++
		}
	}
	if !slices.Equal(got, tc.want) {
		t.Fatalf("nights %v at %s: states %v, want %v", dates(a.Nights), tc.now, got, tc.want)
	}
	if a.Met != met || a.Open != open || a.Judged() != len(tc.want)-open || a.Missed() != len(tc.want)-open-met {
		t.Fatalf("met %d open %d judged %d missed %d; want met %d open %d", a.Met, a.Open, a.Judged(), a.Missed(), met, open)
	}
	pct, ok := a.Percent()
	if judged := len(tc.want) - open; ok != (judged > 0) || (ok && math.Abs(pct-100*float64(met)/float64(judged)) > 1e-9) {
		t.Fatalf("percent %v %v, want %d of %d", pct, ok, met, judged)
	}
	if tally := coverage.TallyOf(areas); tally != (coverage.Tally{Nights: len(tc.want), Judged: len(tc.want) - open, Met: met}) {
		t.Fatalf("tally %+v", tally)
	}
}

func dates(nights []coverage.NightCheck) []string {
	var out []string
	for _, n := range nights {
		out = append(out, n.Date.String())
	}
	return out
}

// TestComplianceTonightIsNotMissedYet: the period ends with tonight, 29 February 2028 (a leap
// day) in Hồ Chí Minh City; the nights before it were visited. Tonight is open before its
// shift and while it runs unvisited, met once visited (early), missed once over unvisited.
func TestComplianceTonightIsNotMissedYet(t *testing.T) {
	u := testUnit(t)
	p := apptest.Nights("2028-02-27", "2028-03-01") // the nights of 27, 28 and 29 February
	d27, d28, d29 := geo.Date{Year: 2028, Month: 2, Day: 27}, geo.Date{Year: 2028, Month: 2, Day: 28}, geo.Date{Year: 2028, Month: 2, Day: 29}
	at := func(d geo.Date) time.Time { return d.At(geo.Clock(23*60), hcm) }
	before := []geo.Date{d27, d28}
	met, open, missed := coverage.NightMet, coverage.NightOpen, coverage.NightMissed
	for _, tc := range []openCase{
		{"tonight not begun", time.Date(2028, 2, 29, 16, 0, 0, 0, hcm), before, []coverage.NightState{met, met, open}},
		{"tonight under way, not met", time.Date(2028, 2, 29, 23, 30, 0, 0, hcm), before, []coverage.NightState{met, met, open}},
		{"tonight under way, one second before its end", time.Date(2028, 3, 1, 4, 59, 59, 0, hcm), before, []coverage.NightState{met, met, open}},
		{"tonight met early", time.Date(2028, 2, 29, 23, 30, 0, 0, hcm), []geo.Date{d27, d28, d29}, []coverage.NightState{met, met, met}},
		{"tonight over unvisited, at its end", time.Date(2028, 3, 1, 5, 0, 0, 0, hcm), before, []coverage.NightState{met, met, missed}},
		{"last night unvisited is missed while tonight is open", time.Date(2028, 2, 29, 23, 30, 0, 0, hcm), []geo.Date{d27}, []coverage.NightState{met, missed, open}},
		{"a period wholly ahead is all open", time.Date(2028, 2, 20, 12, 0, 0, 0, hcm), nil, []coverage.NightState{open, open, open}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkOpen(t, u, p, at, tc) })
	}
}

// TestComplianceOpenAcrossDaylightSaving: a unit in Europe/Berlin. The night of 27 March 2027
// lasts 6 hours (clocks go from 02:00 to 03:00): it ends at 05:00 CEST, 03:00 UTC, an hour
// before a fixed +7 h would end it. The night of 30 October 2027 lasts 8 hours (03:00 back to
// 02:00): it ends at 05:00 CET, 04:00 UTC, an hour after.
func TestComplianceOpenAcrossDaylightSaving(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	u := testUnit(t)
	u.TimeZone = "Europe/Berlin"
	period := func(from, to string) geo.Period {
		p, err := geo.ParsePeriod(from, to, berlin, geo.WindowNight, geo.DefaultNightWindow())
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	at := func(d geo.Date) time.Time { return d.At(geo.Clock(23*60), berlin) }
	utc := func(m time.Month, d, h, min int) time.Time { return time.Date(2027, m, d, h, min, 0, 0, time.UTC) }
	met, open, missed := coverage.NightMet, coverage.NightOpen, coverage.NightMissed
	spring := period("2027-03-26", "2027-03-28") // nights of 26 and 27 March
	d26 := geo.Date{Year: 2027, Month: 3, Day: 26}
	for _, tc := range []openCase{
		{"spring: 04:59 CEST, under way", utc(3, 28, 2, 59), []geo.Date{d26}, []coverage.NightState{met, open}},
		{"spring: 05:00 CEST, over", utc(3, 28, 3, 0), []geo.Date{d26}, []coverage.NightState{met, missed}},
		{"spring: 05:30 CEST, over (a fixed +7 h would say under way)", utc(3, 28, 3, 30), []geo.Date{d26}, []coverage.NightState{met, missed}},
		{"spring: not begun at 21:59 CET", utc(3, 27, 20, 59), []geo.Date{d26}, []coverage.NightState{met, open}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkOpen(t, u, spring, at, tc) })
	}
	autumn := period("2027-10-29", "2027-10-31") // nights of 29 and 30 October
	d29 := geo.Date{Year: 2027, Month: 10, Day: 29}
	for _, tc := range []openCase{
		{"autumn: 04:30 CET, under way (a fixed +7 h would say over)", utc(10, 31, 3, 30), []geo.Date{d29}, []coverage.NightState{met, open}},
		{"autumn: 05:00 CET, over", utc(10, 31, 4, 0), []geo.Date{d29}, []coverage.NightState{met, missed}},
		{"autumn: met early at 02:30 CEST", utc(10, 31, 0, 30), []geo.Date{d29, {Year: 2027, Month: 10, Day: 30}}, []coverage.NightState{met, met}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkOpen(t, u, autumn, at, tc) })
	}
}

// TestComplianceOpenEndsWithThePeriod: a period given as instants that ends at 01:00 inside a
// night holds only that night's first three hours; once they are over the night is judged,
// though the night itself runs on to 05:00.
func TestComplianceOpenEndsWithThePeriod(t *testing.T) {
	p := geo.Period{From: time.Date(2024, 3, 1, 22, 0, 0, 0, hcm), To: time.Date(2024, 3, 2, 1, 0, 0, 0, hcm)}
	at := func(d geo.Date) time.Time { return d.At(geo.Clock(23*60), hcm) }
	for _, tc := range []openCase{
		{"00:59, the period's part is under way", time.Date(2024, 3, 2, 0, 59, 0, 0, hcm), nil, []coverage.NightState{coverage.NightOpen}},
		{"03:00, the period's part is over", time.Date(2024, 3, 2, 3, 0, 0, 0, hcm), nil, []coverage.NightState{coverage.NightMissed}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkOpen(t, testUnit(t), p, at, tc) })
	}
}

// TestOpenAtReplacesMarks: FindGaps marks the open nights at its clock reading; OpenAt marks
// them again at another, replacing the marks — and with them whether the area is below.
func TestOpenAtReplacesMarks(t *testing.T) {
	cell := studyOf(t)[3]
	db := &apptest.Store{Areas: []patrol.Area{apptest.KeyAreaOn(1, "Chợ", cell)}, Visits: []geo.CellVisit{visitOn(cell, 1)}}
	p := nights1to4(t)
	g, err := coverage.FindGaps(context.Background(), db, testUnit(t), p, 1, afterMarch)
	if err != nil {
		t.Fatal(err)
	}
	a := &g.Areas[0]
	if a.Open != 0 || a.Judged() != 3 || a.Missed() != 2 || !a.Below() {
		t.Fatalf("after March: open %d judged %d missed %d below %v", a.Open, a.Judged(), a.Missed(), a.Below())
	}
	coverage.OpenAt(g.Areas, g.Unit, p, time.Date(2024, 3, 2, 23, 0, 0, 0, hcm)) // the night of 2 March under way
	if a.Open != 2 || a.Judged() != 1 || a.Missed() != 0 || a.Below() || a.Nights[1].State() != coverage.NightOpen {
		t.Fatalf("at 2 March 23:00: open %d judged %d missed %d below %v", a.Open, a.Judged(), a.Missed(), a.Below())
	}
	if got := a.OpenNights(); len(got) != 2 || got[0].String() != "2024-03-02" || got[1].String() != "2024-03-03" {
		t.Fatalf("open nights %v", got)
	}
	coverage.OpenAt(g.Areas, g.Unit, p, afterMarch)
	if a.Open != 0 || a.Judged() != 3 || a.Missed() != 2 || !a.Below() || len(a.OpenNights()) != 0 {
		t.Fatalf("after March: open %d judged %d missed %d", a.Open, a.Judged(), a.Missed())
	}
}
