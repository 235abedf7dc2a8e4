package coverage_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/app/apptest"
	"github.com/patrolmap/patrolmap/app/coverage"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/report"
)

// tonightCase is a key area checked over the three nights that end with tonight, at one clock
// reading: the nights it was visited on, and what the reading should make of them.
type tonightCase struct {
	name    string
	now     time.Time
	visited []int // offsets from tonight (-2, -1, 0) of the nights with a visit
	missed  int   // judged nights missed
	open    bool  // tonight open: not over, not met yet
}

// checkGapsAgree runs FindGaps and Compliance on one key area over the nights tonight−2 to
// tonight in unit u at tc.now, and checks that they count the same nights met, judged, missed
// and open, that the area is a gap exactly when it missed a judged night, that its risk counts
// judged nights only, and that its reason says so and names the open night apart.
func checkGapsAgree(t *testing.T, u patrol.Unit, tonight geo.Date, tc tonightCase) {
	t.Helper()
	loc, err := time.LoadLocation(u.TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	p, err := geo.ParsePeriod(tonight.AddDays(-2).String(), tonight.AddDays(1).String(), loc, geo.WindowNight, geo.DefaultNightWindow())
	if err != nil {
		t.Fatal(err)
	}
	cell := studyOf(t)[3]
	db := &apptest.Store{Areas: []patrol.Area{apptest.KeyAreaOn(1, "Chợ Đêm", cell)}}
	for _, off := range tc.visited {
		d := tonight.AddDays(off)
		enter := d.At(geo.Clock(23*60), loc)
		db.Visits = append(db.Visits, geo.CellVisit{Device: "p1", Cell: cell, Enter: enter.UTC(),
			Leave: enter.Add(15 * time.Minute).UTC(), DwellS: 900, Nights: []geo.Date{d}})
	}
	list, _, err := coverage.Compliance(context.Background(), db, u, p, tc.now)
	if err != nil || len(list) != 1 {
		t.Fatalf("compliance: %d areas, %v", len(list), err)
	}
	g, err := coverage.FindGaps(context.Background(), db, u, p, 1, tc.now)
	if err != nil || len(g.Areas) != 1 {
		t.Fatalf("gaps: %v", err)
	}
	c, a := &list[0], &g.Areas[0]
	var cs, gs []coverage.NightState
	for i := range c.Nights {
		cs, gs = append(cs, c.Nights[i].State()), append(gs, a.Nights[i].State())
	}
	if !slices.Equal(cs, gs) || c.Met != a.Met || c.Open != a.Open || c.Judged() != a.Judged() || c.Missed() != a.Missed() {
		t.Fatalf("at %s: /compliance %v (met %d open %d), /gaps %v (met %d open %d)", tc.now, cs, c.Met, c.Open, gs, a.Met, a.Open)
	}
	wantOpen := 0
	if tc.open {
		wantOpen = 1
	}
	if a.Missed() != tc.missed || a.Open != wantOpen || a.Judged() != 3-wantOpen {
		t.Fatalf("at %s: nights %v: missed %d open %d judged %d, want missed %d open %v", tc.now, gs, a.Missed(), a.Open, a.Judged(), tc.missed, tc.open)
	}
	if tc.open && !slices.Equal(a.OpenNights(), []geo.Date{tonight}) {
		t.Fatalf("open nights %v, want tonight %s", a.OpenNights(), tonight)
	}
	var gap *coverage.Gap
	for _, r := range g.Ranked() {
		if r.Area != nil {
			gap = &r
		}
	}
	if (gap != nil) != (tc.missed > 0) || a.Below() != (tc.missed > 0) {
		t.Fatalf("at %s: area gap %v, below %v; want a gap only for a missed judged night (missed %d)", tc.now, gap != nil, a.Below(), tc.missed)
	}
	if gap == nil {
		if a.Risk != 0 {
			t.Fatalf("risk %v of an area that missed no judged night", a.Risk)
		}
		return
	}
	if want := geo.GapRisk(float64(tc.missed)/float64(a.Judged()), 0, 0, 1); math.Abs(a.Risk-want) > 1e-12 {
		t.Fatalf("risk %v, want %v (missed %d of %d judged)", a.Risk, want, tc.missed, a.Judged())
	}
	reason := g.Reason(*gap, report.LangEN)
	if want := fmt.Sprintf("on %d of %d judged nights (met on %d)", tc.missed, a.Judged(), a.Met); !strings.Contains(reason, want) {
		t.Fatalf("reason %q does not say %q", reason, want)
	}
	if said := strings.Contains(reason, "the night of "+tonight.String()+" is not over and not met yet, not counted"); said != tc.open {
		t.Fatalf("reason %q: tonight open %v, said so %v", reason, tc.open, said)
	}
}

// TestGapsAndComplianceAgreeTonight: a key area visited on the two nights before tonight, or on
// the first only, on awkward days and today. At 02:30 inside tonight, unvisited, tonight is
// open in /gaps as in /compliance: not missed, no gap by itself, named apart in the reason of
// an area that missed another night; met early, it counts as met; a second before its end it is
// still open; at its end (05:00, 05:00 CET on the day Berlin's clocks go back) it is missed.
func TestGapsAndComplianceAgreeTonight(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	today := geo.DateOf(time.Now(), hcm) // its 02:30 lies inside last night, the night of the day before
	days := []struct {
		name    string
		zone    *time.Location
		tonight geo.Date
		inside  []time.Time // readings while tonight runs
		after   time.Time   // the first reading once it is over
	}{
		{"the 1st", hcm, geo.Date{Year: 2027, Month: 1, Day: 1}, []time.Time{time.Date(2027, 1, 2, 2, 30, 0, 0, hcm)}, time.Date(2027, 1, 2, 5, 0, 0, 0, hcm)},
		{"the 31st", hcm, geo.Date{Year: 2027, Month: 1, Day: 31}, []time.Time{time.Date(2027, 2, 1, 2, 30, 0, 0, hcm)}, time.Date(2027, 2, 1, 5, 0, 0, 0, hcm)},
		{"29 February 2028", hcm, geo.Date{Year: 2028, Month: 2, Day: 29}, []time.Time{time.Date(2028, 3, 1, 2, 30, 0, 0, hcm)}, time.Date(2028, 3, 1, 5, 0, 0, 0, hcm)},
		// 31 October 2027 in Berlin: 02:30 comes twice (CEST, then CET) and 04:30 CET is 03:30
		// UTC, when a fixed +2 h would say the night is over; it ends at 05:00 CET, 04:00 UTC.
		{"Berlin, clocks back on 31 October 2027", berlin, geo.Date{Year: 2027, Month: 10, Day: 30},
			[]time.Time{time.Date(2027, 10, 31, 0, 30, 0, 0, time.UTC), time.Date(2027, 10, 31, 1, 30, 0, 0, time.UTC), time.Date(2027, 10, 31, 3, 30, 0, 0, time.UTC)},
			time.Date(2027, 10, 31, 4, 0, 0, 0, time.UTC)},
		{"today", hcm, today.AddDays(-1), []time.Time{today.At(geo.Clock(150), hcm)}, today.At(geo.Clock(300), hcm)},
	}
	for _, day := range days {
		t.Run(day.name, func(t *testing.T) {
			u := testUnit(t)
			u.TimeZone = day.zone.String()
			var cases []tonightCase
			for _, at := range day.inside {
				local := at.In(day.zone).Format("15:04 MST")
				cases = append(cases,
					tonightCase{local + ", unvisited tonight", at, []int{-2, -1}, 0, true},
					tonightCase{local + ", a night missed before, unvisited tonight", at, []int{-2}, 1, true},
					tonightCase{local + ", met early tonight", at, []int{-2, -1, 0}, 0, false},
				)
			}
			cases = append(cases,
				tonightCase{"over, unvisited tonight", day.after, []int{-2, -1}, 1, false},
				tonightCase{"over, a night missed before and tonight", day.after, []int{-2}, 2, false},
				tonightCase{"a second before its end, unvisited", day.after.Add(-time.Second), []int{-2, -1}, 0, true},
			)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) { checkGapsAgree(t, u, day.tonight, tc) })
			}
		})
	}
}
