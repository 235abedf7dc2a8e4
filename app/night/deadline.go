package night

import (
	"context"
	"fmt"
	"time"

	"github.com/patrolmap/patrolmap/app/unit"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// Zone returns the unit's time zone as app/unit reads it.
func Zone(u patrol.Unit) *time.Location { return unit.Location(u) }

// Window returns the unit's night window as app/unit reads it.
func Window(u patrol.Unit) geo.NightWindow { return unit.NightWindow(u) }

// InsideNight reports whether the time of day c lies in the night window after its start and
// no later than its end: 22:00–05:00 takes 22:01 to 05:00, 23:59 and 00:00 included.
func InsideNight(nw geo.NightWindow, c geo.Clock) bool {
	if nw.CrossesMidnight() {
		return c > nw.Start || c <= nw.End
	}
	return c > nw.Start && c <= nw.End
}

// CheckDeadline parses a deadline written "HH:MM" and checks that it lies inside the night
// window (see InsideNight); "" is no deadline. The error says why, for the field that holds it.
func CheckDeadline(nw geo.NightWindow, s string) error {
	if s == "" {
		return nil
	}
	c, err := geo.ParseClock(s)
	if err != nil {
		return fmt.Errorf("must be a local time HH:MM")
	}
	if !InsideNight(nw, c) {
		return fmt.Errorf("%s is outside the night window %s", c, nw)
	}
	return nil
}

// DeadlineAt returns the instant of the deadline c in the night of date d: on d itself when c
// is at or after the night's start, else (a night that crosses midnight) on the next day. A
// deadline outside the window is clamped to the night's end.
func DeadlineAt(nw geo.NightWindow, d geo.Date, c geo.Clock, loc *time.Location) time.Time {
	night := nw.Night(d, loc)
	at := d.At(c, loc)
	if nw.CrossesMidnight() && c < nw.Start {
		at = d.AddDays(1).At(c, loc)
	}
	if at.After(night.To) || !at.After(night.From) {
		return night.To
	}
	return at
}

// AreaDeadline returns the deadline ("HH:MM") that applies to an area: its own, else the
// unit's default; "" when neither is set or it does not parse.
func AreaDeadline(u patrol.Unit, a patrol.Area) (geo.Clock, string, bool) {
	s := a.Deadline
	if s == "" {
		s = u.NightDeadline
	}
	if s == "" {
		return 0, "", false
	}
	c, err := geo.ParseClock(s)
	if err != nil {
		return 0, "", false
	}
	return c, c.String(), true
}

// Of returns the date of the unit's night under way at t or, between nights, of the next one.
func Of(u patrol.Unit, t time.Time) geo.Date {
	loc, nw := Zone(u), Window(u)
	if d, ok := nw.NightOf(t, loc); ok {
		return d
	}
	d := geo.DateOf(t, loc)
	if nw.Night(d, loc).To.After(t) {
		return d
	}
	return d.AddDays(1)
}

// DeviceRepository is what OwnDevices reads.
type DeviceRepository interface {
	ListDevices(ctx context.Context, unitID int) ([]patrol.Device, error)
	DeviceAssignedTo(ctx context.Context, deviceID int, userID int64) (bool, error)
}

// OwnDevices returns the idents of the unit's devices assigned to the user, for the officer's
// own track.
func OwnDevices(ctx context.Context, repo DeviceRepository, unitID int, userID int64) ([]string, error) {
	out := []string{}
	if userID == 0 {
		return out, nil
	}
	devices, err := repo.ListDevices(ctx, unitID)
	if err != nil {
		return nil, err
	}
	for _, d := range devices {
		mine, err := repo.DeviceAssignedTo(ctx, d.ID, userID)
		if err != nil {
			return nil, err
		}
		if mine {
			out = append(out, d.Ident)
		}
	}
	return out, nil
}
