package hotspots

import (
	"fmt"
	"time"

	"github.com/patrolmap/patrolmap/geo"
)

// Step is the length of one time step of the emerging hot spot analysis.
type Step string

// The steps of the emerging hot spot analysis.
const (
	StepWeek  Step = "week"  // 7 days on the unit's clock
	StepMonth Step = "month" // a calendar month
)

// MaxSteps bounds StepBounds and the holdout of the forecast check; a period of at most 5
// years has at most 262 weeks.
const MaxSteps = 1000

// ParseStep parses "week" or "month"; empty means week.
func ParseStep(s string) (Step, error) {
	switch st := Step(s); st {
	case "":
		return StepWeek, nil
	case StepWeek, StepMonth:
		return st, nil
	}
	return "", &geo.FieldError{Field: "step", Reason: fmt.Sprintf("%q is not one of week, month", s)}
}

// stepAfter returns the instant n steps after start on the clock of loc: 7n days later for
// weeks, n calendar months later for months with the day of month clamped to the month's last
// day (31 January, then 29 February, 31 March). n may be negative.
func stepAfter(start time.Time, step Step, n int, loc *time.Location) time.Time {
	l := start.In(loc)
	y, m, d := l.Date()
	hh, mm, ss := l.Clock()
	ns := l.Nanosecond()
	if step == StepMonth {
		last := time.Date(y, m+time.Month(n)+1, 0, 0, 0, 0, 0, loc).Day()
		return time.Date(y, m+time.Month(n), min(d, last), hh, mm, ss, ns, loc)
	}
	return time.Date(y, m, d+7*n, hh, mm, ss, ns, loc)
}

// StepBounds returns the bounds of the steps of the period [from, to): from, then the instants
// 1, 2, … steps after from on the clock of loc (see Step), ending with to. The period must hold a
// whole number of steps; otherwise the error, a *geo.FieldError naming "to", says which ends
// would. nil loc means UTC.
func StepBounds(from, to time.Time, step Step, loc *time.Location) ([]time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	if step != StepWeek && step != StepMonth {
		return nil, &geo.FieldError{Field: "step", Reason: fmt.Sprintf("%q is not one of week, month", string(step))}
	}
	if !from.Before(to) {
		return nil, &geo.FieldError{Field: "to", Reason: "must be after from"}
	}
	bounds := []time.Time{from}
	for n := 1; n <= MaxSteps; n++ {
		b := stepAfter(from, step, n, loc)
		switch {
		case b.Equal(to):
			return append(bounds, to), nil
		case b.After(to):
			return nil, &geo.FieldError{Field: "to", Reason: fmt.Sprintf(
				"the period is not a whole number of %ss counted from from: %d %s end at %s, %d at %s",
				step, n-1, plural(step, n-1), boundString(bounds[n-1], loc), n, boundString(b, loc))}
		}
		bounds = append(bounds, b)
	}
	return nil, &geo.FieldError{Field: "to", Reason: fmt.Sprintf("the period holds more than %d %ss", MaxSteps, step)}
}

func plural(step Step, n int) string {
	if n == 1 {
		return string(step)
	}
	return string(step) + "s"
}

// boundString writes a step bound as a local date when it is a local midnight, else in RFC 3339.
func boundString(t time.Time, loc *time.Location) string {
	l := t.In(loc)
	if h, m, s := l.Clock(); h == 0 && m == 0 && s == 0 && l.Nanosecond() == 0 {
		return l.Format(time.DateOnly)
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// StepPeriod parses from and to — local dates in loc or RFC 3339 instants — for a space-time
// analysis with steps of step, and returns the period and its step bounds (StepBounds). Without
// to the period ends at the local midnight after now; without from it starts defaultSteps steps
// before to, and the bounds are counted back from to (1, 2, … steps before it), because counted
// forward from a start whose day was clamped they would miss to: 12 months before 29 February
// 2028 is 28 February 2027, and 12 months after that is 28 February. Errors are
// *geo.FieldError naming from or to.
func StepPeriod(from, to string, step Step, defaultSteps int, now time.Time, loc *time.Location) (geo.Period, []time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	if to == "" {
		to = geo.DateOf(now, loc).AddDays(1).String()
	}
	if from == "" {
		var end time.Time
		if d, err := geo.ParseDate(to); err == nil {
			end = d.Midnight(loc)
		} else if end, err = time.Parse(time.RFC3339Nano, to); err != nil {
			return geo.Period{}, nil, &geo.FieldError{Field: "to", Reason: fmt.Sprintf("%q is neither a date (YYYY-MM-DD) nor an RFC 3339 time", to)}
		}
		if (step == StepWeek || step == StepMonth) && defaultSteps >= 1 && defaultSteps <= MaxSteps {
			bounds := make([]time.Time, defaultSteps+1)
			for i := range bounds {
				bounds[i] = stepAfter(end, step, i-defaultSteps, loc)
			}
			if end.Sub(bounds[0]) > 5*366*24*time.Hour {
				return geo.Period{}, nil, &geo.FieldError{Field: "to", Reason: "the period may span at most 5 years"}
			}
			return geo.Period{From: bounds[0], To: end}, bounds, nil
		}
		from = stepAfter(end, step, -defaultSteps, loc).Format(time.RFC3339Nano)
	}
	p, err := geo.ParsePeriod(from, to, loc, geo.WindowAll, geo.NightWindow{})
	if err != nil {
		return geo.Period{}, nil, err
	}
	if p.To.Sub(p.From) > 5*366*24*time.Hour {
		return geo.Period{}, nil, &geo.FieldError{Field: "to", Reason: "the period may span at most 5 years"}
	}
	bounds, err := StepBounds(p.From, p.To, step, loc)
	if err != nil {
		return geo.Period{}, nil, err
	}
	return p, bounds, nil
}
