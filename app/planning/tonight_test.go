package planning_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/app/apptest"
	board "github.com/patrolmap/patrolmap/app/night"
	"github.com/patrolmap/patrolmap/app/planning"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// boardStore is the in-memory ward as the night board reads it: no devices to name, no hot spots.
type boardStore struct{ *apptest.Store }

func (boardStore) ListDevices(context.Context, int) ([]patrol.Device, error) { return nil, nil }

func (boardStore) IncidentCube(context.Context, int, int, []time.Time, []string, int) ([]h3.Cell, [][]float64, error) {
	return nil, nil, nil
}

// visitAt is a 12-minute pass of device p1 through cell from at, on the night of d.
func visitAt(cell h3.Cell, d geo.Date, at time.Time) geo.CellVisit {
	return geo.CellVisit{Device: "p1", Cell: cell, Enter: at.UTC(), Leave: at.Add(12 * time.Minute).UTC(), DwellS: 720, Nights: []geo.Date{d}}
}

// nightCase is one clock reading of a planned night and what the plan should make of the market
// (a key area visited on every night before the planned one, or on none of them when pastMissed).
type nightCase struct {
	name        string
	now         time.Time
	visit       time.Time // a visit in the planned night, when not zero
	pastMissed  bool      // the night before the planned one was not patrolled
	deadline    string    // the market's deadline, when not empty
	status      board.Status
	state       string
	below, open int // the gain's key areas below / open over the period
}

// TestPlanCountsTheNightSoFar: the plan for a night counts that night's visits as of the clock.
// The market met on the planned night (at 23:00) is no target and counted met, even after missing
// the night before; not met there yet it is a target — by day before the night (each night owes
// its visits), at the night's start, a second before its end, overdue after its deadline — and
// missed once the night is over. Its status is the night board's at the same instant. Run on the
// 1st, the 7th, the 31st, 29 February 2028, today, and the nights Berlin's clocks change.
func TestPlanCountsTheNightSoFar(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	today := geo.DateOf(time.Now(), apptest.HCM)
	days := []struct {
		name string
		zone *time.Location
		d    geo.Date
	}{
		{"the 1st", apptest.HCM, geo.Date{Year: 2027, Month: 1, Day: 1}},
		{"the 7th", apptest.HCM, geo.Date{Year: 2026, Month: 12, Day: 7}},
		{"the 31st", apptest.HCM, geo.Date{Year: 2026, Month: 12, Day: 31}},
		{"29 February 2028", apptest.HCM, geo.Date{Year: 2028, Month: 2, Day: 29}},
		{"today", apptest.HCM, today},
		{"Berlin, clocks back in the night of 30 October 2027", berlin, geo.Date{Year: 2027, Month: 10, Day: 30}},
		{"Berlin, clocks forward in the night of 27 March 2027", berlin, geo.Date{Year: 2027, Month: 3, Day: 27}},
	}
	for _, day := range days {
		t.Run(day.name, func(t *testing.T) {
			loc, d := day.zone, day.d
			at := func(off, hh, mm, ss int) time.Time {
				n := d.AddDays(off)
				return time.Date(n.Year, n.Month, n.Day, hh, mm, ss, 0, loc)
			}
			end := geo.DefaultNightWindow().Night(d, loc).To // 05:00 the next morning, in the zone's offset of then
			cases := []nightCase{
				{name: "15:00 by day, every night before met: due", now: at(0, 15, 0, 0), status: board.StatusPending, state: planning.NightAhead, open: 1},
				{name: "22:00, the night's start, nothing yet: due", now: at(0, 22, 0, 0), status: board.StatusPending, state: planning.NightInProgress, open: 1},
				{name: "23:59, met at 23:00: done, no target", now: at(0, 23, 59, 0), visit: at(0, 23, 0, 0), status: board.StatusMet, state: planning.NightInProgress},
				{name: "23:59, met at 23:00 after a missed night: done", now: at(0, 23, 59, 0), visit: at(0, 23, 0, 0), pastMissed: true, status: board.StatusMet, state: planning.NightInProgress, below: 1},
				{name: "00:01, met at 23:00: done", now: at(1, 0, 1, 0), visit: at(0, 23, 0, 0), status: board.StatusMet, state: planning.NightInProgress},
				{name: "01:00, not yet: due", now: at(1, 1, 0, 0), status: board.StatusPending, state: planning.NightInProgress, open: 1},
				{name: "01:30, not yet, deadline 01:00: overdue", now: at(1, 1, 30, 0), deadline: "01:00", status: board.StatusOverdue, state: planning.NightInProgress, open: 1},
				{name: "a second before the end, not yet: due", now: end.Add(-time.Second), status: board.StatusPending, state: planning.NightInProgress, open: 1},
				{name: "the end, never visited: missed, still a target of that night's plan", now: end, status: board.StatusMissed, state: planning.NightOver, below: 1},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) { checkNightSoFar(t, loc, d, tc) })
			}
		})
	}
}

func checkNightSoFar(t *testing.T, loc *time.Location, d geo.Date, tc nightCase) {
	u := apptest.Unit()
	u.TimeZone = loc.String()
	market := apptest.StudyCells()[0]
	w := newWard(t)
	area := apptest.KeyAreaOn(2, "Chợ", market)
	area.Deadline = tc.deadline
	w.db.Areas = []patrol.Area{w.office, area}
	for off := -7; off <= -1; off++ {
		if off == -1 && tc.pastMissed {
			continue
		}
		n := d.AddDays(off)
		w.db.Visits = append(w.db.Visits, visitAt(market, n, time.Date(n.Year, n.Month, n.Day, 23, 0, 0, 0, loc)))
	}
	if !tc.visit.IsZero() {
		w.db.Visits = append(w.db.Visits, visitAt(market, d, tc.visit))
	}
	l, err := planning.LookBackOf(u, d, 7)
	if err != nil {
		t.Fatal(err)
	}
	p, err := planning.Suggest(context.Background(), w.db, u, planning.Request{LookBack: l, MaxKm: planning.DefaultMaxKm, Targets: planning.DefaultTargets}, tc.now)
	if err != nil {
		t.Fatal(err)
	}
	due := tc.status != board.StatusMet
	stop := slices.ContainsFunc(p.Stops, func(st planning.Stop) bool { return st.Kind == planning.StopKeyArea && st.Area.Area.ID == 2 })
	if stop != due {
		t.Fatalf("at %s: the market is a stop %v, want %v (status %s)", tc.now, stop, due, tc.status)
	}
	var market2 planning.AreaTonight
	for _, a := range p.Tonight.Areas {
		if a.Area.Area.ID == 2 {
			market2 = a
		}
	}
	wantVisits := 0
	if !tc.visit.IsZero() {
		wantVisits = 1
	}
	if market2.Status != tc.status || market2.Due() != due || market2.Visits != wantVisits || p.Tonight.State() != tc.state {
		t.Fatalf("at %s: market %s (visits %d, due %v), night %s; want %s, %d visits, night %s", tc.now, market2.Status, market2.Visits, market2.Due(), p.Tonight.State(), tc.status, wantVisits, tc.state)
	}
	// The office (no requirement) is met on every night; the market is due or met.
	met := 1
	if !due {
		met = 2
	}
	want := fmt.Sprintf("due %d met %d below %d open %d covered %d", 2-met, met, tc.below, tc.open, 2-met)
	got := fmt.Sprintf("due %d met %d below %d open %d covered %d", p.Gain.KeyAreasDue, p.Gain.KeyAreasMet, p.Gain.KeyAreasBelow, p.Gain.KeyAreasOpen, p.Gain.KeyAreasCovered)
	if got != want || p.Tonight.Due() != 2-met || p.Tonight.Count(board.StatusMet) != met {
		t.Fatalf("at %s: gain %s, want %s; tonight due %d met %d", tc.now, got, want, p.Tonight.Due(), p.Tonight.Count(board.StatusMet))
	}
	// The night board at the same instant says the same of every key area.
	nb, err := board.Tonight(context.Background(), boardStore{w.db}, u, d, tc.now, board.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ba := range nb.Areas {
		i := slices.IndexFunc(p.Tonight.Areas, func(a planning.AreaTonight) bool { return a.Area.Area.ID == ba.Area.ID })
		if i < 0 || p.Tonight.Areas[i].Status != ba.Status || p.Tonight.Areas[i].Visits != ba.Visits {
			t.Fatalf("at %s: the board says %s is %s with %d visits; the plan %+v", tc.now, ba.Area.Name, ba.Status, ba.Visits, p.Tonight.Areas)
		}
	}
	if len(nb.Areas) != len(p.Tonight.Areas) {
		t.Fatalf("the board has %d key areas, the plan %d", len(nb.Areas), len(p.Tonight.Areas))
	}
	// Evaluating a route counts the planned night the same way.
	if len(p.Legs) > 0 {
		e, err := planning.Evaluate(context.Background(), w.db, u, l, legLines(p), tc.now)
		if err != nil {
			t.Fatal(err)
		}
		if e.Gain.KeyAreasDue != p.Gain.KeyAreasDue || e.Gain.KeyAreasMet != p.Gain.KeyAreasMet || e.Tonight.Of(&e.Gaps.Areas[1]).Status != tc.status {
			t.Fatalf("evaluation gain %+v, plan gain %+v", e.Gain, p.Gain)
		}
	}
}
