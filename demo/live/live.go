// Package live keeps the demo ward playing while the server runs. A demo is loaded as of a
// moment (seed-demo leaves out every fix after it); without a player it stays frozen there, and
// a chief who looks at the map that night sees no patrol. The Player writes the demo's fixes and
// incidents as their time comes (demo.Live: tonight's shifts, each new day's incidents), through
// the same store calls as real phones and imports, so that rollups, live positions, the night
// board and deadline alerts follow.
//
// Exactly once: the ward's played-until moment is kept in the database and only moves forward;
// the store answers a fix already stored (same device and time) and an incident already stored
// (same external id) as duplicates, so a restart, or two servers playing at once, stores nothing
// twice.
//
// It only plays a ward that the demo loader loaded (a unit of another origin has no play
// state), only through the demo's own devices in that unit, and only when serve is asked to
// (--demo-live); the clock is an input.
package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/patrolmap/patrolmap/demo"
	"github.com/patrolmap/patrolmap/patrol"
)

// Store is the storage the Player needs; store.Store implements it.
type Store interface {
	// WardPlay returns the seed of the loaded ward of a unit code and the moment through which
	// its fixes and incidents are stored (zero: not played); patrol.ErrNotFound when no ward of
	// that code was loaded.
	WardPlay(ctx context.Context, code string) (seed int64, through time.Time, err error)
	// AdvanceWardPlay moves the played-until moment forward to through (never back).
	AdvanceWardPlay(ctx context.Context, code string, through time.Time) error
	// UnitByCode returns the unit (patrol.ErrNotFound when none).
	UnitByCode(ctx context.Context, code string) (patrol.Unit, error)
	// DevicesByIdent returns the registered devices among idents, keyed by ident.
	DevicesByIdent(ctx context.Context, idents []string) (map[string]patrol.Device, error)
	// StoreFixes writes fixes as ingest does (flags, duty, rollup marks) and says what became of
	// each: stored, duplicate or off duty.
	StoreFixes(ctx context.Context, fixes []patrol.Fix) ([]patrol.StoreOutcome, error)
	// InsertIncidents stores new incidents of a unit; one whose external id is stored already
	// counts as a duplicate.
	InsertIncidents(ctx context.Context, unitID int, userID int64, list []patrol.Incident) (patrol.IngestResult, []int64, error)
}

// Settings of the play.
const (
	// Every is how often Run writes what came due: about the interval of a phone's fixes.
	Every = 5 * time.Second
	// MaxCatchUp bounds how far back a Step reaches when the ward was last played long ago (a
	// server stopped for weeks): what lies further back is skipped, not written.
	MaxCatchUp = 7 * 24 * time.Hour
	// stretch is the most of the timeline one write covers before the played-until moment is
	// recorded, so a long catch-up holds little in memory and resumes where it stopped.
	stretch = 6 * time.Hour
	// batchFixes is the most fixes one StoreFixes call writes.
	batchFixes = 2000
)

// Played counts what a Step wrote.
type Played struct {
	Fixes      int       // fixes stored
	Duplicates int       // fixes the store already held
	Skipped    int       // fixes of a demo device that is missing, inactive or in another unit
	OffDuty    int       // fixes outside their device's assignments, not stored
	Incidents  int       // incidents stored
	From       time.Time // the played-until moment the Step started from
	Through    time.Time // the moment it played up to (zero when nothing was due)
	// Dropped is how much of the timeline was skipped because it lay beyond MaxCatchUp.
	Dropped time.Duration
}

// Player writes the demo ward's fixes and incidents as their time comes. One Player serves a
// process; Step is not safe for concurrent use.
type Player struct {
	store Store
	now   func() time.Time
	log   *slog.Logger
	code  string
	zone  *time.Location
	days  map[string]*demo.LiveDay // demo.Live by seed and date
}

// New returns a Player of the demo ward (unit code demo.Code) over s, with the clock now.
func New(s Store, now func() time.Time, log *slog.Logger) (*Player, error) {
	zone, err := time.LoadLocation(demo.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("demo live: time zone: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Player{store: s, now: now, log: log, code: demo.Code, zone: zone, days: map[string]*demo.LiveDay{}}, nil
}

// ErrNotPlayed means the database holds no demo ward to play: none was loaded, or it was loaded
// without a played-until moment.
var ErrNotPlayed = errors.New("no demo ward to play (run patrolmap seed-demo)")

// Step writes, in time order, the demo's fixes and incidents whose time lies after the ward's
// played-until moment and not after now, and moves that moment to now. A long gap is written
// six hours at a time, each recorded as it is done; beyond MaxCatchUp it is skipped.
func (p *Player) Step(ctx context.Context) (Played, error) {
	var res Played
	seed, through, err := p.store.WardPlay(ctx, p.code)
	if errors.Is(err, patrol.ErrNotFound) || (err == nil && through.IsZero()) {
		return res, ErrNotPlayed
	}
	if err != nil {
		return res, fmt.Errorf("demo live: %w", err)
	}
	now := p.now().UTC()
	res.From = through
	if !now.After(through) {
		return res, nil
	}
	from := through
	if now.Sub(from) > MaxCatchUp {
		from = now.Add(-MaxCatchUp)
		res.Dropped = from.Sub(through)
	}
	unit, err := p.store.UnitByCode(ctx, p.code)
	if err != nil {
		return res, fmt.Errorf("demo live: %w", err)
	}
	for from.Before(now) {
		to := from.Add(stretch)
		if to.After(now) {
			to = now
		}
		if err := p.play(ctx, seed, unit.ID, from, to, &res); err != nil {
			return res, err
		}
		if err := p.store.AdvanceWardPlay(ctx, p.code, to); err != nil {
			return res, fmt.Errorf("demo live: %w", err)
		}
		res.Through, from = to, to
	}
	p.forgetBefore(p.date(now).AddDate(0, 0, -1))
	return res, nil
}

// play writes the fixes and incidents whose time lies in (from, to].
func (p *Player) play(ctx context.Context, seed int64, unitID int, from, to time.Time, res *Played) error {
	var fixes []demo.PhoneFix
	var incidents []patrol.Incident
	first, last := p.date(from), p.date(to)
	// The night of a date runs into the next one: the date before from's holds fixes after it.
	for d := first.AddDate(0, 0, -1); !d.After(last); d = d.AddDate(0, 0, 1) {
		day, err := p.liveDay(seed, d)
		if err != nil {
			return err
		}
		for _, f := range day.Fixes {
			if f.Time.After(from) && !f.Time.After(to) {
				fixes = append(fixes, f)
			}
		}
		for _, in := range day.Incidents {
			if in.Time.After(from) && !in.Time.After(to) {
				incidents = append(incidents, patrol.Incident{ExternalID: in.ExternalID, Time: in.Time,
					Lat: in.Point[1], Lon: in.Point[0], Category: in.Category, Severity: in.Severity,
					Status: in.Status, Description: in.Description, Source: "demo"})
			}
		}
	}
	if err := p.writeFixes(ctx, unitID, fixes, res); err != nil {
		return err
	}
	if len(incidents) > 0 {
		n, _, err := p.store.InsertIncidents(ctx, unitID, 0, incidents)
		if err != nil {
			return fmt.Errorf("demo live: incidents %s–%s: %w", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
		}
		res.Incidents += n.Accepted
	}
	return nil
}

// writeFixes stores fixes (in time order) in batches, through the demo's own devices of the
// unit only.
func (p *Player) writeFixes(ctx context.Context, unitID int, fixes []demo.PhoneFix, res *Played) error {
	if len(fixes) == 0 {
		return nil
	}
	var idents []string
	seen := map[string]bool{}
	for _, f := range fixes {
		if !seen[f.Device] {
			seen[f.Device] = true
			idents = append(idents, f.Device)
		}
	}
	devices, err := p.store.DevicesByIdent(ctx, idents)
	if err != nil {
		return fmt.Errorf("demo live: devices: %w", err)
	}
	batch := make([]patrol.Fix, 0, min(len(fixes), batchFixes))
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		out, err := p.store.StoreFixes(ctx, batch)
		if err != nil {
			return fmt.Errorf("demo live: store %d fixes from %s: %w", len(batch), batch[0].Time.Format(time.RFC3339), err)
		}
		for _, o := range out {
			switch o {
			case patrol.FixStored:
				res.Fixes++
			case patrol.FixOffDuty:
				res.OffDuty++
			default:
				res.Duplicates++
			}
		}
		batch = batch[:0]
		return nil
	}
	for _, f := range fixes {
		d, ok := devices[f.Device]
		if !ok || !d.Active || d.UnitID != unitID {
			res.Skipped++
			continue
		}
		fix := f.Fix
		fix.UnitID, fix.DeviceID, fix.Source = unitID, d.ID, "demo"
		batch = append(batch, fix)
		if len(batch) == batchFixes {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// date returns the local midnight starting t's date in the demo's zone.
func (p *Player) date(t time.Time) time.Time {
	y, m, d := t.In(p.zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, p.zone)
}

// liveDay returns demo.Live(seed, date), remembered.
func (p *Player) liveDay(seed int64, date time.Time) (*demo.LiveDay, error) {
	key := fmt.Sprint(seed, " ", date.Format(time.DateOnly))
	if d, ok := p.days[key]; ok {
		return d, nil
	}
	d, err := demo.Live(seed, date)
	if err != nil {
		return nil, fmt.Errorf("demo live: %w", err)
	}
	p.days[key] = d
	return d, nil
}

// forgetBefore drops the remembered days before date: no later Step reads them.
func (p *Player) forgetBefore(date time.Time) {
	for k, d := range p.days {
		if d.Date.Before(date) {
			delete(p.days, k)
		}
	}
}

// Run plays the demo now and then every `every` until ctx ends. Failures are logged and
// retried at the next tick; a database without a demo ward is said once.
func (p *Player) Run(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	said := false
	for {
		res, err := p.Step(ctx)
		switch {
		case errors.Is(err, ErrNotPlayed):
			if !said {
				p.log.Warn("demo live play: nothing to play", "err", err)
				said = true
			}
		case err != nil && ctx.Err() == nil:
			p.log.Error("demo live play", "err", err)
		case err == nil:
			said = false
			p.report(res)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// report logs what a Step wrote: a catch-up (more than a minute), skipped fixes or new
// incidents at info, the ordinary few fixes of a tick at debug.
func (p *Player) report(res Played) {
	if res.Through.IsZero() {
		return
	}
	level := slog.LevelDebug
	if res.Dropped > 0 || res.Skipped > 0 || res.Through.Sub(res.From) > time.Minute || res.Incidents > 0 {
		level = slog.LevelInfo
	}
	p.log.Log(context.Background(), level, "demo live play", "fixes", res.Fixes, "duplicates", res.Duplicates,
		"skipped", res.Skipped, "off_duty", res.OffDuty, "incidents", res.Incidents,
		"from", res.From.Format(time.RFC3339), "through", res.Through.Format(time.RFC3339), "dropped", res.Dropped.String())
}
