package night

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// AlertRepository is the storage the deadline alerts need besides the board's.
type AlertRepository interface {
	BoardRepository
	// ListUnits returns every unit (unitID 0).
	ListUnits(ctx context.Context, unitID int) ([]patrol.Unit, error)
	// LatestPositions returns the newest fix of each device of a unit within since before now.
	LatestPositions(ctx context.Context, unitID int, now time.Time, since time.Duration) ([]patrol.StoredFix, error)
	// RaiseAlert stores an alert unless the area has one for the night; it reports whether
	// this call stored it.
	RaiseAlert(ctx context.Context, a patrol.NightAlert) (patrol.NightAlert, bool, error)
	// ListAlerts returns a unit's alerts with deadlines in [from, to].
	ListAlerts(ctx context.Context, unitID int, from, to time.Time) ([]patrol.NightAlert, error)
}

// Scheduling of the alerts.
const (
	// AlertLookback is how long after a deadline a late scheduler (a server that was down)
	// still raises its alert.
	AlertLookback = 12 * time.Hour
	// OnDutyWindow is how recent a position must be for its officer to count as on duty.
	OnDutyWindow = 30 * time.Minute
	// AlertEvery is how often serve runs Tick: an alert is raised at most this late.
	AlertEvery = 20 * time.Second
)

// checkKey is an area checked at a deadline of a night and found met: no alert, no new check.
type checkKey struct {
	area     int64
	night    geo.Date
	deadline int64 // Unix seconds: a time.Time with another *Location would not be equal
}

// Alerts raises deadline alerts: Tick, run at least once a minute, finds the key areas whose
// deadline has passed (within AlertLookback) unmet, judged by the board as of the deadline
// itself, and stores one alert per area and night. The store's unique key makes it safe across
// restarts and against a second scheduler; the memory of met areas only saves work.
type Alerts struct {
	Repo AlertRepository
	Log  *slog.Logger
	met  map[checkKey]bool
}

// Tick raises the alerts due at now for every unit and returns those this call raised.
func (s *Alerts) Tick(ctx context.Context, now time.Time) ([]patrol.NightAlert, error) {
	units, err := s.Repo.ListUnits(ctx, 0)
	if err != nil {
		return nil, err
	}
	var raised []patrol.NightAlert
	var firstErr error
	for _, u := range units {
		got, err := s.tickUnit(ctx, u, now)
		raised = append(raised, got...)
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("alerts of unit %s: %w", u.Code, err)
			}
			if s.Log != nil {
				s.Log.Error("deadline alerts", "unit", u.Code, "err", err)
			}
		}
	}
	s.forget(now)
	return raised, firstErr
}

// tickUnit raises the unit's alerts due at now, in the night under way and the one before.
func (s *Alerts) tickUnit(ctx context.Context, u patrol.Unit, now time.Time) ([]patrol.NightAlert, error) {
	loc, nw := Zone(u), Window(u)
	var areas []KeyArea
	var raised []patrol.NightAlert
	for _, d := range []geo.Date{Of(u, now).AddDays(-1), Of(u, now)} {
		period := nw.Night(d, loc)
		if now.Before(period.From) || now.Sub(period.To) > AlertLookback+time.Hour {
			continue
		}
		if areas == nil {
			var err error
			if areas, _, err = KeyAreas(ctx, s.Repo, u); err != nil {
				return raised, err
			}
		}
		due := s.dueAreas(u, d, areas, now)
		if len(due) == 0 {
			continue
		}
		existing, err := s.Repo.ListAlerts(ctx, u.ID, period.From, period.To)
		if err != nil {
			return raised, err
		}
		have := map[int64]bool{}
		for _, a := range existing {
			have[a.AreaID] = true
		}
		deadlines := make([]time.Time, 0, len(due))
		for deadline := range due {
			deadlines = append(deadlines, deadline)
		}
		slices.SortFunc(deadlines, time.Time.Compare)
		for _, deadline := range deadlines {
			got, err := s.raiseAt(ctx, u, d, deadline, due[deadline], have, now)
			raised = append(raised, got...)
			if err != nil {
				return raised, err
			}
		}
	}
	return raised, nil
}

// dueAreas groups by deadline the areas whose deadline in night d passed at most AlertLookback
// before now and that were not found met at it.
func (s *Alerts) dueAreas(u patrol.Unit, d geo.Date, areas []KeyArea, now time.Time) map[time.Time]map[int64]bool {
	loc, nw := Zone(u), Window(u)
	due := map[time.Time]map[int64]bool{}
	for _, a := range areas {
		c, _, ok := AreaDeadline(u, a.Area)
		if !ok {
			continue
		}
		at := DeadlineAt(nw, d, c, loc)
		if at.After(now) || now.Sub(at) > AlertLookback || s.met[checkKey{a.Area.ID, d, at.Unix()}] {
			continue
		}
		if due[at] == nil {
			due[at] = map[int64]bool{}
		}
		due[at][a.Area.ID] = true
	}
	return due
}

// raiseAt judges the areas ids of night d on the board as of their deadline and raises an alert
// for each one not met then.
func (s *Alerts) raiseAt(ctx context.Context, u patrol.Unit, d geo.Date, deadline time.Time, ids, have map[int64]bool, now time.Time) ([]patrol.NightAlert, error) {
	pending := false
	for id := range ids {
		pending = pending || !have[id]
	}
	if !pending {
		return nil, nil
	}
	b, err := tonight(ctx, s.Repo, u, d, deadline, Options{}, false)
	if err != nil {
		return nil, err
	}
	var positions []patrol.StoredFix
	var names map[string]string
	var raised []patrol.NightAlert
	for _, st := range b.Areas {
		if !ids[st.Area.ID] || have[st.Area.ID] {
			continue
		}
		if st.Status == StatusMet {
			if s.met == nil {
				s.met = map[checkKey]bool{}
			}
			s.met[checkKey{st.Area.ID, d, deadline.Unix()}] = true
			continue
		}
		if positions == nil {
			if positions, err = s.Repo.LatestPositions(ctx, u.ID, now, OnDutyWindow); err != nil {
				return raised, err
			}
			if names, err = deviceNames(ctx, s.Repo, u.ID); err != nil {
				return raised, err
			}
		}
		a := patrol.NightAlert{UnitID: u.ID, UnitCode: u.Code, AreaID: st.Area.ID, AreaName: st.Area.Name, Night: d.String(),
			Required: st.Required, MinDwellMin: st.MinDwellMin, Visits: st.Visits, DeadlineAt: deadline, RaisedAt: now,
			Nearest: Nearest(st, positions)}
		if a.Nearest != nil {
			a.Nearest.Name = names[a.Nearest.Device]
		}
		got, ok, err := s.Repo.RaiseAlert(ctx, a)
		if err != nil {
			return raised, err
		}
		have[st.Area.ID] = true
		if ok {
			raised = append(raised, got)
			if s.Log != nil {
				s.Log.Info("deadline alert raised", "unit", u.Code, "area", st.Area.Name, "night", got.Night, "deadline", deadline)
			}
		}
	}
	return raised, nil
}

// deviceNames maps the unit's device idents to their names ("Điện thoại Nguyễn Văn Hùng").
func deviceNames(ctx context.Context, repo BoardRepository, unitID int) (map[string]string, error) {
	devices, err := repo.ListDevices(ctx, unitID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(devices))
	for _, d := range devices {
		if d.Name != "" {
			out[d.Ident] = d.Name
		}
	}
	return out, nil
}

// forget drops the memory of met areas of nights long over.
func (s *Alerts) forget(now time.Time) {
	for k := range s.met {
		if now.Unix()-k.deadline > int64(2*AlertLookback/time.Second) {
			delete(s.met, k)
		}
	}
}

// Run calls Tick now and then every interval until ctx ends, logging failures.
func (s *Alerts) Run(ctx context.Context, every time.Duration, now func() time.Time) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if _, err := s.Tick(ctx, now()); err != nil && ctx.Err() == nil && s.Log != nil {
			s.Log.Warn("deadline alerts tick", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Nearest returns the on-duty device (a recent position not flagged off duty) closest to the
// area's cells, or nil when there is none.
func Nearest(st AreaState, positions []patrol.StoredFix) *patrol.NearestOfficer {
	var best *patrol.NearestOfficer
	for _, f := range positions {
		if patrol.FixFlag(f.Flags)&patrol.FlagOffDuty != 0 {
			continue
		}
		pt := orb.Point{f.Lon, f.Lat}
		d := math.Inf(1)
		for _, c := range st.Cells {
			centre, err := geo.CellCentre(c)
			if err != nil {
				continue
			}
			d = math.Min(d, orbgeo.DistanceHaversine(pt, centre))
		}
		if math.IsInf(d, 1) {
			continue
		}
		if best == nil || d < best.DistanceM {
			best = &patrol.NearestOfficer{Device: f.DeviceIdent, DistanceM: math.Round(d), SeenAt: f.Time.UTC(), Lat: f.Lat, Lon: f.Lon}
		}
	}
	return best
}
