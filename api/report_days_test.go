package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// awkwardDays are the days a calendar walk gets wrong, at 06:00 in the demo ward: the night
// before has ended, and in UTC it is still the day before (23:00), so a date taken in UTC
// instead of the unit's zone shows. The 1st is also a new year (report numbers restart).
var awkwardDays = []time.Time{
	time.Date(2027, 1, 1, 6, 0, 0, 0, ictZone),
	time.Date(2027, 3, 7, 6, 0, 0, 0, ictZone),
	time.Date(2027, 1, 31, 6, 0, 0, 0, ictZone),
	time.Date(2028, 2, 29, 6, 0, 0, 0, ictZone),
}

// testClock is a settable clock for a server: it reads the time it was set to, running on
// with the real clock from then.
type testClock struct {
	mu    sync.Mutex
	at    time.Time
	since time.Time
}

func newTestClock(at time.Time) *testClock {
	c := &testClock{}
	c.set(at)
	return c
}

func (c *testClock) set(at time.Time) {
	c.mu.Lock()
	c.at, c.since = at, time.Now()
	c.mu.Unlock()
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at.Add(time.Since(c.since))
}

// placeDate is the date line of a document under Decree 30/2020/NĐ-CP: a day under 10 and the
// months January and February take a leading zero ("ngày 07 tháng 3 năm 2027").
func placeDate(at time.Time) string {
	month := fmt.Sprint(int(at.Month()))
	if at.Month() <= time.February {
		month = "0" + month
	}
	return fmt.Sprintf("ngày %02d tháng %s năm %d", at.Day(), month, at.Year())
}

// reportContent is the part of format=json the day checks read.
type reportContent struct {
	Verdict string `json:"verdict"`
	Period  struct {
		From, To string
		LastDay  string `json:"last_day"`
	} `json:"period"`
	Cutoff          string `json:"cutoff"`
	Nights          int    `json:"nights"`
	NightsWithFixes int    `json:"nights_with_fixes"`
	ProblemHotspots []struct {
		Group string `json:"group"`
	} `json:"problem_hotspots"`
	KeyAreas []struct {
		Name           string `json:"name"`
		NightsMet      int    `json:"nights_met"`
		NightsRequired int    `json:"nights_required"`
	} `json:"key_areas"`
	Comparison struct {
		PreviousFrom string `json:"previous_from"`
		PreviousTo   string `json:"previous_to"`
	} `json:"comparison"`
}

// TestReportOnAwkwardDays loads the demo ward for each awkward day with the server's clock on
// that day, and walks what the map and the report do "today": the map's first requests over
// its default period (the 30 days through today), the report of that period and of the last
// calendar month, the archive's number and its verification.
func TestReportOnAwkwardDays(t *testing.T) {
	for _, at := range awkwardDays {
		t.Run(at.Format(time.DateOnly), func(t *testing.T) {
			clock := newTestClock(at)
			e := newEnvWithStore(t, storetest.New(t), api.Config{Now: clock.now})
			w := e.loadDemo(1, at)
			date := func(d time.Time) string { return d.Format(time.DateOnly) }
			today := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, ictZone)
			if !w.Day.Equal(today) {
				t.Fatalf("demo generated for %s, want %s", w.Day, today)
			}
			from, to := date(today.AddDate(0, 0, -29)), date(today.AddDate(0, 0, 1))
			period := url.Values{"unit": {"demo"}, "from": {from}, "to": {to}}.Encode()
			for _, path := range []string{
				"/api/v1/coverage?window=night&" + period,
				"/api/v1/gaps?min_nights=1&" + period,
				"/api/v1/compliance?" + period,
				"/api/v1/hotspots?" + period,
				"/api/v1/emerging?step=week&unit=demo&from=" + date(today.AddDate(0, 0, 1-70)) + "&to=" + to,
				"/api/v1/summary?" + period,
				"/api/v1/incidents?" + period,
				"/api/v1/night?unit=demo",
				"/api/v1/alerts?" + period,
				"/api/v1/plan?unit=demo",
			} {
				r := e.as("analystall", http.MethodGet, path, nil)
				if r.status != http.StatusOK {
					t.Errorf("GET %s: %d %.300s", path, r.status, r.body)
				}
			}

			// The report of the map's period: the cluster of the last six weeks fails it; "đến hết
			// ngày" names today; tonight is a night of the period that has no fixes yet.
			var c reportContent
			e.as("analystall", http.MethodGet, "/api/v1/report?format=json&"+period, nil).json(t, &c)
			drugs := false
			for _, h := range c.ProblemHotspots {
				drugs = drugs || h.Group == "drugs"
			}
			if c.Verdict != "fail" || !drugs || c.Period.LastDay != date(today) || c.Nights != 30 ||
				c.NightsWithFixes < 15 || c.NightsWithFixes > 29 || len(c.KeyAreas) == 0 {
				t.Errorf("report of %s–%s: verdict %s, drugs %v, last day %s, nights %d with fixes %d, %d key areas",
					from, to, c.Verdict, drugs, c.Period.LastDay, c.Nights, c.NightsWithFixes, len(c.KeyAreas))
			}
			for _, k := range c.KeyAreas {
				// Tonight (it begins at 22:00, the clock reads 06:00) is not judged before it is met.
				if k.NightsRequired != 29 || k.NightsMet > 29 {
					t.Errorf("key area %+v: want 29 nights judged of 30, tonight not yet patrolled nor judged", k)
				}
			}
			instant := func(d time.Time) string { return d.UTC().Format(time.RFC3339) }
			if c.Comparison.PreviousFrom != instant(today.AddDate(0, 0, -59)) || c.Comparison.PreviousTo != instant(today.AddDate(0, 0, -29)) {
				t.Errorf("previous period %s–%s, want the 30 days before %s", c.Comparison.PreviousFrom, c.Comparison.PreviousTo, from)
			}
			if cut, err := time.Parse(time.RFC3339, c.Cutoff); err != nil || cut.Before(at) || cut.Sub(at) > 10*time.Minute {
				t.Errorf("cut-off %s (%v), clock at %s", c.Cutoff, err, at.UTC())
			}
			page := string(e.as("analystall", http.MethodGet, "/api/v1/report?"+period, nil).body)
			for _, want := range []string{
				"đến hết ngày " + today.Format("02/01/2006"),
				placeDate(at),
			} {
				if !strings.Contains(page, want) {
					t.Errorf("the report page lacks %q", want)
				}
			}

			// The last calendar month, walked by calendar month: as many nights as it has days.
			first := time.Date(at.Year(), at.Month(), 1, 0, 0, 0, 0, ictZone).AddDate(0, -1, 0)
			next := first.AddDate(0, 1, 0)
			days := int(next.Sub(first).Hours() / 24)
			month := url.Values{"unit": {"demo"}, "from": {date(first)}, "to": {date(next)}}.Encode()
			var m reportContent
			e.as("analystall", http.MethodGet, "/api/v1/report?format=json&"+month, nil).json(t, &m)
			if m.Nights != days || m.Period.LastDay != date(next.AddDate(0, 0, -1)) || m.Comparison.PreviousFrom != instant(first.AddDate(0, 0, -days)) {
				t.Errorf("month %s: %d nights, last day %s, previous from %s; want %d nights", date(first), m.Nights, m.Period.LastDay,
					m.Comparison.PreviousFrom, days)
			}

			// Numbers restart with the unit's year, not with UTC's: archive one report the evening
			// before (same UTC date as now), then one now.
			clock.set(today.Add(-30 * time.Minute))
			archive := func(want string) string {
				r := e.as("analystall", http.MethodPost, "/api/v1/reports?"+period, nil)
				var snap struct{ Number, SHA256 string }
				r.json(t, &snap)
				if r.status != http.StatusCreated || snap.Number != want {
					t.Errorf("archived %d %q, want %q", r.status, snap.Number, want)
				}
				return snap.SHA256
			}
			archive("1/BC-DEMO")
			clock.set(at)
			want := "2/BC-DEMO"
			if at.YearDay() == 1 {
				want = "1/BC-DEMO"
			}
			sum := archive(want)
			v := e.do(http.MethodGet, "/verify/"+sum, "", nil)
			var ver map[string]any
			v.json(t, &ver)
			if v.status != http.StatusOK || ver["number"] != want || ver["last_day"] != date(today) {
				t.Errorf("verify: %d %s", v.status, v.body)
			}
		})
	}
}

// TestReportAcrossDaylightSaving asks a unit in Europe/Berlin for the map's period (the 30 days
// through today) on the days its clocks change. The night of the spring change lasts six hours
// (22:00 CET to 05:00 CEST) and the autumn one eight; a fix half an hour after the night's end
// in spring belongs to no night, one half an hour before its end in autumn does. Every other
// night has a short patrol before midnight.
func TestReportAcrossDaylightSaving(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		today     time.Time // local midnight of the day the report is asked on
		changing  time.Time // local midnight of the night that spans the change
		at        [2]int    // hour and minute of that night's only fix, the next morning
		withFixes int       // nights with fixes of the 30
	}{
		{"spring 2027-03-28", time.Date(2027, 3, 28, 0, 0, 0, 0, berlin), time.Date(2027, 3, 27, 0, 0, 0, 0, berlin), [2]int{5, 30}, 28},
		{"autumn 2026-10-25", time.Date(2026, 10, 25, 0, 0, 0, 0, berlin), time.Date(2026, 10, 24, 0, 0, 0, 0, berlin), [2]int{4, 30}, 29},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newTestClock(tc.today.Add(10 * time.Hour))
			e := newEnvWithStore(t, storetest.New(t), api.Config{Now: clock.now})
			u, err := e.store.CreateUnit(context.Background(), patrol.Unit{Code: "berlin", Name: "Berlin", TimeZone: "Europe/Berlin",
				Boundary: json.RawMessage(wardSquare), NightStart: "22:00", NightEnd: "05:00", H3Res: 10})
			if err != nil {
				t.Fatal(err)
			}
			e.units["berlin"] = u
			e.device("berlin", "b-1", "")
			place := newSpot(t, "square", 105.85, 21.47)
			var fixes []map[string]any
			for d := tc.today.AddDate(0, 0, -29); d.Before(tc.today); d = d.AddDate(0, 0, 1) {
				if d.Equal(tc.changing) {
					next := d.AddDate(0, 0, 1)
					fixes = append(fixes, fixAt("b-1", place, time.Date(next.Year(), next.Month(), next.Day(), tc.at[0], tc.at[1], 0, 0, berlin)))
					continue
				}
				start := time.Date(d.Year(), d.Month(), d.Day(), 23, 0, 0, 0, berlin)
				fixes = append(fixes, stay("b-1", place, start, start.Add(10*time.Minute), time.Minute)...)
			}
			postFixes(t, e, fixes)

			from, to := tc.today.AddDate(0, 0, -29), tc.today.AddDate(0, 0, 1)
			period := url.Values{"unit": {"berlin"}, "from": {from.Format(time.DateOnly)}, "to": {to.Format(time.DateOnly)}}.Encode()
			var c struct {
				reportContent
				Period struct {
					LastDay     string `json:"last_day"`
					FromInstant string `json:"from_instant"`
					ToInstant   string `json:"to_instant"`
				} `json:"period"`
			}
			e.as("admin", http.MethodGet, "/api/v1/report?format=json&"+period, nil).json(t, &c)
			instant := func(d time.Time) string { return d.UTC().Format(time.RFC3339) }
			if c.Nights != 30 || c.NightsWithFixes != tc.withFixes || c.Period.LastDay != tc.today.Format(time.DateOnly) ||
				c.Period.FromInstant != instant(from) || c.Period.ToInstant != instant(to) {
				t.Errorf("nights %d with fixes %d (want 30, %d), last day %s, [%s, %s) want [%s, %s)", c.Nights, c.NightsWithFixes,
					tc.withFixes, c.Period.LastDay, c.Period.FromInstant, c.Period.ToInstant, instant(from), instant(to))
			}
			if c.Verdict != "pass" {
				t.Errorf("verdict %s: no incidents and patrols on most nights pass", c.Verdict)
			}
			prev := from.AddDate(0, 0, -30)
			if c.Comparison.PreviousFrom != instant(prev) || c.Comparison.PreviousTo != instant(from) {
				t.Errorf("previous period [%s, %s), want [%s, %s)", c.Comparison.PreviousFrom, c.Comparison.PreviousTo, instant(prev), instant(from))
			}
			page := string(e.as("admin", http.MethodGet, "/api/v1/report?"+period, nil).body)
			if !strings.Contains(page, "đến hết ngày "+tc.today.Format("02/01/2006")) {
				t.Error("the page does not say through today")
			}
			if r := e.as("admin", http.MethodGet, "/api/v1/night?unit=berlin", nil); r.status != http.StatusOK {
				t.Errorf("tonight's board: %d %s", r.status, r.body)
			}
		})
	}
}
