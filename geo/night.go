package geo

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Clock is a time of day in minutes since local midnight, 0 (00:00) to 1439
// (23:59).
type Clock int

// The default night window of a unit, 22:00 to 05:00 local time.
const (
	DefaultNightStart Clock = 22 * 60
	DefaultNightEnd   Clock = 5 * 60
)

// ParseClock parses a time of day written "HH:MM" (24-hour; "5:00" is
// accepted too).
func ParseClock(s string) (Clock, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 {
		return 0, fmt.Errorf("geo: time of day %q: want HH:MM", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || h[0] == '+' || h[0] == '-' || m[0] == '+' || m[0] == '-' {
		return 0, fmt.Errorf("geo: time of day %q: want HH:MM", s)
	}
	if hh > 23 || mm > 59 {
		return 0, fmt.Errorf("geo: time of day %q: want 00:00 to 23:59", s)
	}
	return Clock(hh*60 + mm), nil
}

// Valid reports whether c is a time of day, 00:00 to 23:59.
func (c Clock) Valid() bool { return c >= 0 && c < 24*60 }

// Hour returns the hour of c, 0–23.
func (c Clock) Hour() int { return int(c) / 60 }

// Minute returns the minute of c within its hour, 0–59.
func (c Clock) Minute() int { return int(c) % 60 }

// String returns c as "HH:MM".
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", c.Hour(), c.Minute()) }

// MarshalText writes c as "HH:MM".
func (c Clock) MarshalText() ([]byte, error) {
	if !c.Valid() {
		return nil, fmt.Errorf("geo: time of day %d minutes is out of range", int(c))
	}
	return []byte(c.String()), nil
}

// UnmarshalText reads c from "HH:MM".
func (c *Clock) UnmarshalText(b []byte) error {
	v, err := ParseClock(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// Date is a civil (calendar) date, without a time or zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t in loc (nil means UTC).
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(zone(loc)).Date()
	return Date{y, m, d}
}

// ParseDate parses a date written "YYYY-MM-DD".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("geo: date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t, time.UTC), nil
}

// String returns d as "YYYY-MM-DD".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// AddDays returns the date n days after d (before, if n is negative).
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC), time.UTC)
}

// At returns the instant at which the clock in loc (nil means UTC) shows c
// on date d. Built with time.Date, so it follows daylight-saving changes; a
// clock time that a spring-forward skips is normalised as time.Date does.
func (d Date) At(c Clock, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, c.Hour(), c.Minute(), 0, 0, zone(loc))
}

// Midnight returns the start of date d in loc (nil means UTC).
func (d Date) Midnight(loc *time.Location) time.Time { return d.At(0, loc) }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmp.Compare(d.Year, e.Year)
	case d.Month != e.Month:
		return cmp.Compare(int(d.Month), int(e.Month))
	default:
		return cmp.Compare(d.Day, e.Day)
	}
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// MarshalText writes d as "YYYY-MM-DD".
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads d from "YYYY-MM-DD".
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// zone returns loc, or UTC for nil.
func zone(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// Window selects the time of day an analysis looks at.
type Window string

// The windows of an analysis.
const (
	WindowNight Window = "night" // inside the unit's night window
	WindowDay   Window = "day"   // the rest of the day
	WindowAll   Window = "all"   // any time
)

// ParseWindow parses "night", "day" or "all". An empty string selects
// WindowNight, the service's default.
func ParseWindow(s string) (Window, error) {
	switch w := Window(s); w {
	case "":
		return WindowNight, nil
	case WindowNight, WindowDay, WindowAll:
		return w, nil
	}
	return "", &FieldError{Field: "window", Reason: fmt.Sprintf("%q is not one of night, day, all", s)}
}

// Valid reports whether w is WindowNight, WindowDay or WindowAll.
func (w Window) Valid() bool {
	return w == WindowNight || w == WindowDay || w == WindowAll
}

// NightWindow is a unit's night: from Start to End in local time. When
// Start is later than End the night crosses midnight (the usual 22:00–05:00).
// The zero NightWindow is not valid (its methods see no night at all);
// ParsePeriod and CoverageOptions read it as DefaultNightWindow.
type NightWindow struct {
	Start, End Clock
}

// DefaultNightWindow returns 22:00–05:00.
func DefaultNightWindow() NightWindow {
	return NightWindow{Start: DefaultNightStart, End: DefaultNightEnd}
}

// ParseNightWindow parses a night window from its "HH:MM" start and end;
// errors name the field night_start or night_end.
func ParseNightWindow(start, end string) (NightWindow, error) {
	s, err := ParseClock(start)
	if err != nil {
		return NightWindow{}, &FieldError{Field: "night_start", Reason: fmt.Sprintf("%q is not a time of day HH:MM", start)}
	}
	e, err := ParseClock(end)
	if err != nil {
		return NightWindow{}, &FieldError{Field: "night_end", Reason: fmt.Sprintf("%q is not a time of day HH:MM", end)}
	}
	w := NightWindow{Start: s, End: e}
	if err := w.Validate(); err != nil {
		return NightWindow{}, err
	}
	return w, nil
}

// Validate returns a *FieldError unless both ends are times of day and
// differ.
func (w NightWindow) Validate() error {
	switch {
	case !w.Start.Valid():
		return &FieldError{Field: "night_start", Reason: "must be 00:00 to 23:59"}
	case !w.End.Valid():
		return &FieldError{Field: "night_end", Reason: "must be 00:00 to 23:59"}
	case w.Start == w.End:
		return &FieldError{Field: "night_end", Reason: "must differ from night_start"}
	}
	return nil
}

// CrossesMidnight reports whether the night runs past local midnight.
func (w NightWindow) CrossesMidnight() bool { return w.Start > w.End }

// String returns the window as "22:00-05:00".
func (w NightWindow) String() string { return w.Start.String() + "-" + w.End.String() }

// Night returns the night of date d in loc (nil means UTC): [d Start,
// d+1 End) when the window crosses midnight, [d Start, d End) otherwise.
// Across a daylight-saving change the night is an hour shorter or longer.
func (w NightWindow) Night(d Date, loc *time.Location) Period {
	end := d
	if w.CrossesMidnight() {
		end = d.AddDays(1)
	}
	return Period{From: d.At(w.Start, loc), To: end.At(w.End, loc)}
}

// NightOf returns the date of the night that t falls in, in loc (nil means
// UTC), and whether t is in a night at all. A night belongs to the date it
// starts on: with 22:00–05:00, 2024-03-02 04:59:59 is in the night of
// 2024-03-01 and 05:00:00 is in none.
func (w NightWindow) NightOf(t time.Time, loc *time.Location) (Date, bool) {
	d := DateOf(t, loc)
	for _, cand := range [2]Date{d.AddDays(-1), d} {
		if w.Night(cand, loc).Contains(t) {
			return cand, true
		}
	}
	return Date{}, false
}

// InWindow reports whether t is inside win: in a night for WindowNight, not
// in a night for WindowDay, always for WindowAll, never for an invalid
// window.
func (w NightWindow) InWindow(t time.Time, loc *time.Location, win Window) bool {
	_, night := w.NightOf(t, loc)
	switch win {
	case WindowNight:
		return night
	case WindowDay:
		return !night
	case WindowAll:
		return true
	}
	return false
}

// Periods returns the parts of the bounded period p that lie inside win, in
// time order and without overlap. It returns nil for an unbounded or empty
// p or an invalid window.
func (w NightWindow) Periods(p Period, loc *time.Location, win Window) []Period {
	if !p.Bounded() || !p.From.Before(p.To) {
		return nil
	}
	switch win {
	case WindowAll:
		return []Period{p}
	case WindowNight:
		nights := w.nightsIn(p, loc)
		out := make([]Period, len(nights))
		for i, n := range nights {
			out[i] = n.Period.Intersect(p)
		}
		return out
	case WindowDay:
		var out []Period
		cursor := p.From
		for _, n := range w.nightsIn(p, loc) {
			if n.From.After(cursor) {
				out = append(out, Period{From: cursor, To: n.From})
			}
			if n.To.After(cursor) {
				cursor = n.To
			}
		}
		if cursor.Before(p.To) {
			out = append(out, Period{From: cursor, To: p.To})
		}
		return out
	}
	return nil
}

// datedNight is the night of one date.
type datedNight struct {
	Date Date
	Period
}

// nightsIn returns the nights that overlap the bounded period p, in order.
func (w NightWindow) nightsIn(p Period, loc *time.Location) []datedNight {
	var out []datedNight
	last := DateOf(p.To, loc)
	for d := DateOf(p.From, loc).AddDays(-1); !last.Before(d); d = d.AddDays(1) {
		n := w.Night(d, loc)
		if n.From.Before(p.To) && n.To.After(p.From) && n.From.Before(n.To) {
			out = append(out, datedNight{Date: d, Period: n})
		}
	}
	return out
}

// NightDates returns the dates of the nights that overlap the bounded
// period p, in order: every instant of p that is in a night belongs to one
// of them. With 22:00–05:00, [2024-03-01 22:00, 2024-03-08 05:00) and
// [2024-03-01 00:00, 2024-03-08 00:00) both list the nights of 1–7 March,
// and the second also the night of 29 February, whose last five hours it
// holds. It returns nil for an unbounded period.
func NightDates(p Period, loc *time.Location, nw NightWindow) []Date {
	if !p.Bounded() {
		return nil
	}
	nights := nw.nightsIn(p, loc)
	out := make([]Date, len(nights))
	for i, n := range nights {
		out[i] = n.Date
	}
	return out
}

// Period is the half-open time interval [From, To). A zero From or To
// leaves that side open.
type Period struct {
	From, To time.Time
}

// Bounded reports whether both ends of p are set.
func (p Period) Bounded() bool { return !p.From.IsZero() && !p.To.IsZero() }

// Contains reports whether From <= t < To (an unset end does not limit).
func (p Period) Contains(t time.Time) bool {
	return (p.From.IsZero() || !t.Before(p.From)) && (p.To.IsZero() || t.Before(p.To))
}

// Intersect returns the overlap of two bounded periods; it may be empty (To not after From).
func (p Period) Intersect(q Period) Period {
	out := p
	if q.From.After(out.From) {
		out.From = q.From
	}
	if q.To.Before(out.To) {
		out.To = q.To
	}
	return out
}

// ParsePeriod parses the from and to of a request into a Period.
//
// A local date ("2024-03-01") means midnight in loc (nil means UTC), except
// with WindowNight, where a date range selects the nights that start on its
// dates: from=2024-03-01 is the start of that date's night and to=2024-03-02
// the end of the night before it, so that pair is [2024-03-01 22:00,
// 2024-03-02 05:00) local with the default window. An RFC 3339 value is an
// instant and is used as it is. Both values are required, and to must be
// after from. A zero nw means DefaultNightWindow. Errors are *FieldError
// naming "from" or "to" (or "window", "night_start", "night_end").
func ParsePeriod(from, to string, loc *time.Location, window Window, nw NightWindow) (Period, error) {
	if !window.Valid() {
		return Period{}, &FieldError{Field: "window", Reason: fmt.Sprintf("%q is not one of night, day, all", string(window))}
	}
	if nw == (NightWindow{}) {
		nw = DefaultNightWindow()
	}
	if window == WindowNight {
		if err := nw.Validate(); err != nil {
			return Period{}, err
		}
	}
	start, err := parseBound("from", from, func(d Date) time.Time {
		if window == WindowNight {
			return nw.Night(d, loc).From
		}
		return d.Midnight(loc)
	})
	if err != nil {
		return Period{}, err
	}
	end, err := parseBound("to", to, func(d Date) time.Time {
		if window == WindowNight {
			return nw.Night(d.AddDays(-1), loc).To
		}
		return d.Midnight(loc)
	})
	if err != nil {
		return Period{}, err
	}
	if !start.Before(end) {
		return Period{}, &FieldError{Field: "to", Reason: fmt.Sprintf("%s is not after from (%s)", end.Format(time.RFC3339), start.Format(time.RFC3339))}
	}
	return Period{From: start, To: end}, nil
}

// parseBound parses one end of a period: a date through ofDate, or an
// RFC 3339 instant.
func parseBound(field, s string, ofDate func(Date) time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, &FieldError{Field: field, Reason: "is required"}
	}
	if d, err := ParseDate(s); err == nil {
		return ofDate(d), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, &FieldError{Field: field, Reason: fmt.Sprintf("%q is neither a date (YYYY-MM-DD) nor an RFC 3339 time", s)}
	}
	return t, nil
}

// MonthsUTC returns the first instant (UTC) of every calendar month that [from, to] touches, in
// order. It walks month by month, so no month is skipped whatever the day of the month.
func MonthsUTC(from, to time.Time) []time.Time {
	f, t := from.UTC(), to.UTC()
	if t.Before(f) {
		return nil
	}
	var out []time.Time
	for m := time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(t); m = m.AddDate(0, 1, 0) {
		out = append(out, m)
	}
	return out
}
