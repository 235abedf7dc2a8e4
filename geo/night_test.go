package geo_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // zones do not depend on the machine

	"github.com/patrolmap/patrolmap/geo"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustDate(t testing.TB, s string) geo.Date {
	t.Helper()
	d, err := geo.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestParseClock(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want geo.Clock
		ok   bool
	}{
		{"22:00", 1320, true},
		{"05:00", 300, true},
		{"5:00", 300, true},
		{"00:00", 0, true},
		{"23:59", 1439, true},
		{"24:00", 0, false},
		{"12:60", 0, false},
		{"1200", 0, false},
		{"12:5", 0, false},
		{"+1:00", 0, false},
		{"-1:00", 0, false},
		{"ab:cd", 0, false},
		{"", 0, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := geo.ParseClock(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("ParseClock(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
			}
			if tc.ok && tc.in[0] != '5' && got.String() != tc.in {
				t.Fatalf("String() = %q, want %q", got.String(), tc.in)
			}
		})
	}
}

func TestNightWindowValidate(t *testing.T) {
	if err := geo.DefaultNightWindow().Validate(); err != nil {
		t.Fatal(err)
	}
	if geo.DefaultNightWindow().String() != "22:00-05:00" {
		t.Fatal(geo.DefaultNightWindow().String())
	}
	var fe *geo.FieldError
	if _, err := geo.ParseNightWindow("22:00", "22:00"); !errors.As(err, &fe) || fe.Field != "night_end" {
		t.Fatalf("equal ends: %v", err)
	}
	if _, err := geo.ParseNightWindow("25:00", "05:00"); !errors.As(err, &fe) || fe.Field != "night_start" {
		t.Fatalf("bad start: %v", err)
	}
	w, err := geo.ParseNightWindow("21:30", "04:45")
	if err != nil || w.Start != 21*60+30 || w.End != 4*60+45 {
		t.Fatalf("ParseNightWindow = %v, %v", w, err)
	}
}

func TestNightOfBoundariesHoChiMinh(t *testing.T) {
	loc := mustZone(t, "Asia/Ho_Chi_Minh")
	nw := geo.DefaultNightWindow()
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation(time.DateTime, s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		local string
		night string // "" = not in a night
	}{
		{"2024-03-01 21:59:59", ""},
		{"2024-03-01 22:00:00", "2024-03-01"},
		{"2024-03-01 23:59:59", "2024-03-01"},
		{"2024-03-02 00:00:00", "2024-03-01"},
		{"2024-03-02 04:59:59", "2024-03-01"},
		{"2024-03-02 05:00:00", ""},
		{"2024-03-02 12:00:00", ""},
		{"2024-12-31 23:30:00", "2024-12-31"},
		{"2025-01-01 03:00:00", "2024-12-31"},
		{"2024-02-29 22:00:00", "2024-02-29"},
		{"2024-03-01 01:00:00", "2024-02-29"},
	} {
		t.Run(tc.local, func(t *testing.T) {
			ts := at(tc.local)
			d, ok := nw.NightOf(ts, loc)
			if ok != (tc.night != "") || (ok && d.String() != tc.night) {
				t.Fatalf("NightOf(%s) = %v, %v; want %q", tc.local, d, ok, tc.night)
			}
			// The same instant in another zone's clothes gives the same answer.
			d2, ok2 := nw.NightOf(ts.UTC(), loc)
			if d2 != d || ok2 != ok {
				t.Fatalf("NightOf depends on the zone of t: %v %v vs %v %v", d, ok, d2, ok2)
			}
			if nw.InWindow(ts, loc, geo.WindowNight) != ok || nw.InWindow(ts, loc, geo.WindowDay) == ok || !nw.InWindow(ts, loc, geo.WindowAll) {
				t.Fatalf("InWindow disagrees with NightOf at %s", tc.local)
			}
		})
	}
	// In UTC the same instant 2024-03-01 15:00Z is 22:00 in Hà Nội.
	if _, ok := nw.NightOf(time.Date(2024, 3, 1, 15, 0, 0, 0, time.UTC), time.UTC); ok {
		t.Fatal("15:00 UTC is a night in UTC")
	}
	if d, ok := nw.NightOf(time.Date(2024, 3, 1, 15, 0, 0, 0, time.UTC), loc); !ok || d.String() != "2024-03-01" {
		t.Fatal("15:00 UTC is not the night of 1 March in Asia/Ho_Chi_Minh")
	}
}

func TestNightAcrossDST(t *testing.T) {
	nw := geo.DefaultNightWindow()
	for _, tc := range []struct {
		zone, date string
		length     time.Duration
		fromUTC    string
	}{
		// Europe/Berlin springs forward at 02:00 on 31 March 2024 and falls
		// back at 03:00 on 27 October 2024.
		{"Europe/Berlin", "2024-03-30", 6 * time.Hour, "2024-03-30T21:00:00Z"},
		{"Europe/Berlin", "2024-10-26", 8 * time.Hour, "2024-10-26T20:00:00Z"},
		{"Europe/Berlin", "2024-06-01", 7 * time.Hour, "2024-06-01T20:00:00Z"},
		// America/New_York: 10 March and 3 November 2024.
		{"America/New_York", "2024-03-09", 6 * time.Hour, "2024-03-10T03:00:00Z"},
		{"America/New_York", "2024-11-02", 8 * time.Hour, "2024-11-03T02:00:00Z"},
		{"Asia/Ho_Chi_Minh", "2024-03-30", 7 * time.Hour, "2024-03-30T15:00:00Z"},
	} {
		t.Run(tc.zone+" "+tc.date, func(t *testing.T) {
			loc := mustZone(t, tc.zone)
			n := nw.Night(mustDate(t, tc.date), loc)
			if got := n.To.Sub(n.From); got != tc.length {
				t.Fatalf("night of %s is %v long, want %v", tc.date, got, tc.length)
			}
			if got := n.From.UTC().Format(time.RFC3339); got != tc.fromUTC {
				t.Fatalf("night starts %s, want %s", got, tc.fromUTC)
			}
			for _, c := range []struct {
				at time.Time
				in bool
			}{
				{n.From.Add(-time.Second), false},
				{n.From, true},
				{n.From.Add(n.To.Sub(n.From) / 2), true},
				{n.To.Add(-time.Second), true},
				{n.To, false},
			} {
				d, ok := nw.NightOf(c.at, loc)
				if ok != c.in || (ok && d.String() != tc.date) {
					t.Errorf("NightOf(%s) = %v, %v; want in=%v", c.at.In(loc), d, ok, c.in)
				}
			}
			if end := n.To.In(loc); end.Hour() != 5 || end.Minute() != 0 {
				t.Fatalf("night ends at %s local", end)
			}
		})
	}

	// Both 02:30s of the Berlin autumn night are in it.
	berlin := mustZone(t, "Europe/Berlin")
	for _, utc := range []string{"2024-10-27T00:30:00Z", "2024-10-27T01:30:00Z"} {
		ts, _ := time.Parse(time.RFC3339, utc)
		if d, ok := nw.NightOf(ts, berlin); !ok || d.String() != "2024-10-26" {
			t.Errorf("%s (%s) not in the night of 26 October", utc, ts.In(berlin))
		}
	}
}

func TestNightWindowNotCrossingMidnight(t *testing.T) {
	loc := mustZone(t, "Asia/Ho_Chi_Minh")
	nw := geo.NightWindow{Start: 60, End: 300} // 01:00–05:00
	d := mustDate(t, "2024-03-02")
	for _, tc := range []struct {
		clock string
		in    bool
	}{{"00:59", false}, {"01:00", true}, {"04:59", true}, {"05:00", false}, {"23:00", false}} {
		c, _ := geo.ParseClock(tc.clock)
		got, ok := nw.NightOf(d.At(c, loc), loc)
		if ok != tc.in || (ok && got != d) {
			t.Errorf("%s: NightOf = %v, %v; want in=%v on %v", tc.clock, got, ok, tc.in, d)
		}
	}
}

func TestDate(t *testing.T) {
	d := mustDate(t, "2024-02-28")
	if got := d.AddDays(1).String(); got != "2024-02-29" {
		t.Fatal(got)
	}
	if got := d.AddDays(2).String(); got != "2024-03-01" {
		t.Fatal(got)
	}
	if got := d.AddDays(-59).String(); got != "2023-12-31" {
		t.Fatal(got)
	}
	if !d.Before(d.AddDays(1)) || d.AddDays(1).Before(d) || d.Compare(d) != 0 {
		t.Fatal("Compare")
	}
	if _, err := geo.ParseDate("2024-02-30"); err == nil {
		t.Fatal("2024-02-30 parsed")
	}
	b, _ := d.MarshalText()
	var e geo.Date
	if err := e.UnmarshalText(b); err != nil || e != d {
		t.Fatalf("text round trip: %v %v", e, err)
	}
}

func TestParseWindow(t *testing.T) {
	for in, want := range map[string]geo.Window{"": geo.WindowNight, "night": geo.WindowNight, "day": geo.WindowDay, "all": geo.WindowAll} {
		if got, err := geo.ParseWindow(in); err != nil || got != want {
			t.Errorf("ParseWindow(%q) = %v, %v", in, got, err)
		}
	}
	var fe *geo.FieldError
	if _, err := geo.ParseWindow("Night"); !errors.As(err, &fe) || fe.Field != "window" {
		t.Fatalf("ParseWindow(Night) = %v", err)
	}
}

func TestParsePeriod(t *testing.T) {
	hcm := mustZone(t, "Asia/Ho_Chi_Minh")
	berlin := mustZone(t, "Europe/Berlin")
	nw := geo.DefaultNightWindow()
	for _, tc := range []struct {
		name     string
		from, to string
		loc      *time.Location
		window   geo.Window
		nw       geo.NightWindow
		want     [2]string // RFC 3339 in UTC
		errField string
	}{
		{"one night", "2024-03-01", "2024-03-02", hcm, geo.WindowNight, nw, [2]string{"2024-03-01T15:00:00Z", "2024-03-01T22:00:00Z"}, ""},
		{"a week of nights", "2024-03-01", "2024-03-08", hcm, geo.WindowNight, nw, [2]string{"2024-03-01T15:00:00Z", "2024-03-07T22:00:00Z"}, ""},
		{"one day", "2024-03-01", "2024-03-02", hcm, geo.WindowDay, nw, [2]string{"2024-02-29T17:00:00Z", "2024-03-01T17:00:00Z"}, ""},
		{"all", "2024-03-01", "2024-03-02", hcm, geo.WindowAll, nw, [2]string{"2024-02-29T17:00:00Z", "2024-03-01T17:00:00Z"}, ""},
		{"unit's own window", "2024-03-01", "2024-03-02", hcm, geo.WindowNight, geo.NightWindow{Start: 21 * 60, End: 4 * 60}, [2]string{"2024-03-01T14:00:00Z", "2024-03-01T21:00:00Z"}, ""},
		{"night across Berlin DST", "2024-03-30", "2024-03-31", berlin, geo.WindowNight, nw, [2]string{"2024-03-30T21:00:00Z", "2024-03-31T03:00:00Z"}, ""},
		{"instants", "2024-03-01T22:30:00+07:00", "2024-03-02T01:00:00Z", hcm, geo.WindowNight, nw, [2]string{"2024-03-01T15:30:00Z", "2024-03-02T01:00:00Z"}, ""},
		{"fractional instant", "2024-03-01T15:30:00.25Z", "2024-03-02", hcm, geo.WindowAll, nw, [2]string{"2024-03-01T15:30:00.25Z", "2024-03-01T17:00:00Z"}, ""},
		{"nil zone is UTC", "2024-03-01", "2024-03-02", nil, geo.WindowAll, nw, [2]string{"2024-03-01T00:00:00Z", "2024-03-02T00:00:00Z"}, ""},
		{"empty night range", "2024-03-01", "2024-03-01", hcm, geo.WindowNight, nw, [2]string{}, "to"},
		{"to before from", "2024-03-05", "2024-03-01", hcm, geo.WindowAll, nw, [2]string{}, "to"},
		{"bad from", "01/03/2024", "2024-03-02", hcm, geo.WindowAll, nw, [2]string{}, "from"},
		{"bad to", "2024-03-01", "2024-03-32", hcm, geo.WindowAll, nw, [2]string{}, "to"},
		{"instant without zone", "2024-03-01T22:00:00", "2024-03-02", hcm, geo.WindowAll, nw, [2]string{}, "from"},
		{"missing from", "", "2024-03-02", hcm, geo.WindowAll, nw, [2]string{}, "from"},
		{"missing to", "2024-03-01", "", hcm, geo.WindowAll, nw, [2]string{}, "to"},
		{"bad window", "2024-03-01", "2024-03-02", hcm, geo.Window("dusk"), nw, [2]string{}, "window"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := geo.ParsePeriod(tc.from, tc.to, tc.loc, tc.window, tc.nw)
			if tc.errField != "" {
				var fe *geo.FieldError
				if !errors.As(err, &fe) || fe.Field != tc.errField || fe.Reason == "" {
					t.Fatalf("ParsePeriod = %v, %v; want a FieldError on %q", p, err, tc.errField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := [2]string{p.From.UTC().Format(time.RFC3339Nano), p.To.UTC().Format(time.RFC3339Nano)}
			if got != tc.want {
				t.Fatalf("ParsePeriod = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNightDatesAndPeriods(t *testing.T) {
	loc := mustZone(t, "Asia/Ho_Chi_Minh")
	nw := geo.DefaultNightWindow()
	nights, err := geo.ParsePeriod("2024-03-01", "2024-03-08", loc, geo.WindowNight, nw)
	if err != nil {
		t.Fatal(err)
	}
	days, err := geo.ParsePeriod("2024-03-01", "2024-03-08", loc, geo.WindowAll, nw)
	if err != nil {
		t.Fatal(err)
	}
	str := func(ds []geo.Date) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.String())
		}
		return out
	}
	week := []string{"2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07"}
	if got := str(geo.NightDates(nights, loc, nw)); !slices.Equal(got, week) {
		t.Fatalf("NightDates(night period) = %v", got)
	}
	if got := str(geo.NightDates(days, loc, nw)); !slices.Equal(got, append([]string{"2024-02-29"}, week...)) {
		t.Fatalf("NightDates(day period) = %v", got)
	}
	if got := geo.NightDates(geo.Period{From: nights.From}, loc, nw); got != nil {
		t.Fatalf("unbounded period gave %v", got)
	}

	// Every instant of the period in a night belongs to a listed night, and
	// the night and day parts tile the period.
	listed := geo.NightDates(days, loc, nw)
	nightParts := nw.Periods(days, loc, geo.WindowNight)
	dayParts := nw.Periods(days, loc, geo.WindowDay)
	var total time.Duration
	for _, p := range append(slices.Clone(nightParts), dayParts...) {
		total += p.To.Sub(p.From)
	}
	if total != days.To.Sub(days.From) {
		t.Fatalf("night and day parts add to %v, want %v", total, days.To.Sub(days.From))
	}
	if len(nightParts) != 8 || len(dayParts) != 7 {
		t.Fatalf("%d night parts, %d day parts; want 8 and 7", len(nightParts), len(dayParts))
	}
	if nightParts[0].To.Sub(nightParts[0].From) != 5*time.Hour {
		t.Fatalf("first night part %v, want the last 5 h of 29 February's night", nightParts[0])
	}
	for ts := days.From; ts.Before(days.To); ts = ts.Add(17 * time.Minute) {
		d, ok := nw.NightOf(ts, loc)
		if ok && !slices.Contains(listed, d) {
			t.Fatalf("%s is in night %v, which NightDates does not list", ts, d)
		}
		inNight := false
		for _, p := range nightParts {
			inNight = inNight || p.Contains(ts)
		}
		if inNight != ok {
			t.Fatalf("Periods(night) and NightOf disagree at %s", ts.In(loc))
		}
	}
	if got := nw.Periods(days, loc, geo.WindowAll); len(got) != 1 || got[0] != days {
		t.Fatalf("Periods(all) = %v", got)
	}
}

func TestPeriodContains(t *testing.T) {
	a := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	b := a.Add(time.Hour)
	p := geo.Period{From: a, To: b}
	if !p.Contains(a) || p.Contains(b) || p.Contains(a.Add(-1)) || !p.Contains(b.Add(-1)) {
		t.Fatal("Period is not half-open")
	}
	if !(geo.Period{}).Contains(a) || !(geo.Period{From: a}).Contains(b.Add(1000*time.Hour)) {
		t.Fatal("unset ends must be open")
	}
}

func ExampleNightWindow_NightOf() {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		panic(err)
	}
	nw := geo.DefaultNightWindow() // 22:00–05:00
	for _, s := range []string{"2024-03-01 21:59:59", "2024-03-01 22:00:00", "2024-03-02 04:59:59", "2024-03-02 05:00:00"} {
		t, _ := time.ParseInLocation(time.DateTime, s, loc)
		if night, ok := nw.NightOf(t, loc); ok {
			fmt.Println(s, "is in the night of", night)
		} else {
			fmt.Println(s, "is not in a night")
		}
	}
	// Output:
	// 2024-03-01 21:59:59 is not in a night
	// 2024-03-01 22:00:00 is in the night of 2024-03-01
	// 2024-03-02 04:59:59 is in the night of 2024-03-01
	// 2024-03-02 05:00:00 is not in a night
}

// TestMonthsUTCLeapYearSweep walks every day of a leap year with a 90-day look-back (the demo's
// span) and checks that the months come one after another, none skipped, from the month of the
// start to the month of the end.
func TestMonthsUTCLeapYearSweep(t *testing.T) {
	for d := time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == 2028; d = d.AddDate(0, 0, 1) {
		for _, back := range []int{0, 6, 90} {
			from := d.AddDate(0, 0, -back).Add(15 * time.Hour)
			to := d.Add(22 * time.Hour)
			ms := geo.MonthsUTC(from, to)
			if len(ms) == 0 {
				t.Fatalf("%s: no months", d.Format("2006-01-02"))
			}
			if got := ms[0]; got.Year() != from.Year() || got.Month() != from.Month() || got.Day() != 1 {
				t.Fatalf("%s back %d: first month %v, from %v", d.Format("2006-01-02"), back, got, from)
			}
			last := ms[len(ms)-1]
			if last.Year() != to.Year() || last.Month() != to.Month() {
				t.Fatalf("%s back %d: last month %v, to %v", d.Format("2006-01-02"), back, last, to)
			}
			for i := 1; i < len(ms); i++ {
				if ms[i] != ms[i-1].AddDate(0, 1, 0) {
					t.Fatalf("%s back %d: %v follows %v", d.Format("2006-01-02"), back, ms[i], ms[i-1])
				}
			}
		}
	}
	if got := geo.MonthsUTC(time.Date(2028, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 2, 1, 0, 0, 0, 0, time.UTC)); got != nil {
		t.Errorf("reversed span gave %v", got)
	}
}
