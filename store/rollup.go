package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// Coverage rollups.
//
// A rollup key is one device of one unit on one rollup day: the unit's local day from 12:00 to
// 12:00 the next day. Noon is the anchor because night patrols (22:00–05:00 by default) then
// fall inside one key, so a night is always recomputed as a whole. A key is cut into pieces at
// local midnight and at the unit's night start and end, so that every piece lies wholly inside
// or outside the night and inside one calendar date; the passes of a key are stored per piece
// in cell_pass, computed by geo.DeviceVisits with the piece as its period.
//
// Correctness. The passes stored for a key depend only on the fixes stored for it, never on
// the order or the time they arrived in, because a key is always recomputed from scratch:
//
//   - The fixes of [span start − rollupLookback, span end + geo.MaxSegmentGap) are read, sorted
//     by time and flagged afresh with geo.FlagTrack (the stored FlagLowAccuracy and FlagJump,
//     judged at ingest on whatever had arrived by then, are ignored; FlagOffDuty,
//     FlagDuplicate and FlagMock are kept, since they cannot be recomputed, and those fixes are
//     left out). The hour before the span gives
//     the jump judgements at its start the device's recent history; the minutes after it give
//     the segment that leaves the span.
//   - Each piece is then computed by geo.DeviceVisits over the unflagged fixes within
//     geo.MaxSegmentGap of it, with the piece as the period. A segment shorter than
//     MaxSegmentGap that crosses a piece boundary (an hour, midnight, 22:00) is cut there by
//     time, each side in its own piece. Re-flagging a run of unflagged fixes flags none of them,
//     so each piece sees exactly the key's segments.
//   - Passes that continue across a piece or key boundary (the 10-minute re-entry rule) are
//     joined when they are read: geo.MergeCoverage and geo.AreaVisits join passes of one device
//     and cell less than geo.PassGap apart, which is the rule geo.DeviceVisits applies inside
//     one call. Coverage from rollups is therefore what one geo.DeviceVisits call over the
//     device's whole track gives, as long as a jump judgement at a key's start does not depend
//     on a fix more than rollupLookback earlier (with no fix in the hour before local noon, the
//     first fix after it is accepted either way).
//
// Fixes mark their keys dirty through triggers on fix: a fix at ts marks the keys of rollup days
// dayOf(ts − MaxSegmentGap) to dayOf(ts + rollupLookback). New fixes append their units, UTC
// hours and devices to the log rollup_mark, which takes no lock (migrations/00020); every
// catch-up first folds the committed log into the queue rollup_dirty (rollup_fold), and deleted
// or changed fixes mark the queue directly (migrations/00003_coverage.sql). The catch-up claims
// marked keys with SELECT … FOR UPDATE, recomputes them and deletes their marks in the same
// transaction. A fold that marks a claimed key waits for the claim to commit (the mark is an
// INSERT … ON CONFLICT DO UPDATE, which takes the row lock) and then marks it again, so fixes
// committed during a recomputation are never lost; the log rows of a writer still in progress
// are invisible to the fold and wait for the next one.

// rollupLookback is how long before its span a rollup key reads fixes, for the jump judgements
// at the span's start. The trigger function rollup_mark_hours relies on this value.
const rollupLookback = time.Hour

// rollupAnchor is the local time of day at which rollup days start.
const rollupAnchor = geo.Clock(12 * 60)

// rollupBatchKeys is how many keys one catch-up transaction claims.
const rollupBatchKeys = 16

// rollupUnit is what the rollups of a unit depend on.
type rollupUnit struct {
	id    int
	loc   *time.Location
	night geo.NightWindow
	res   int
}

// rollupPiece is a part of a rollup day wholly inside or outside the night.
type rollupPiece struct {
	geo.Period
	isNight bool
	night   geo.Date // the night the piece belongs to, when isNight
}

// rollupKey names one device of one unit on one rollup day.
type rollupKey struct {
	unit, device int
	day          geo.Date
}

// rollupPass is a pass computed for one piece of a key.
type rollupPass struct {
	piece rollupPiece
	visit geo.CellVisit
}

// RollupStats counts what a catch-up did.
type RollupStats struct {
	Keys   int // rollup keys recomputed
	Fixes  int // fixes read, the hour before each key included
	Passes int // passes written
}

func (a *RollupStats) add(b RollupStats) {
	a.Keys += b.Keys
	a.Fixes += b.Fixes
	a.Passes += b.Passes
}

// newRollupUnit parses a unit's time zone, night window and resolution.
func newRollupUnit(id int, tz, nightStart, nightEnd string, res int) (rollupUnit, error) {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return rollupUnit{}, fmt.Errorf("unit %d: time zone %q: %w", id, tz, err)
	}
	nw, err := geo.ParseNightWindow(nightStart, nightEnd)
	if err != nil {
		return rollupUnit{}, fmt.Errorf("unit %d: night window: %w", id, err)
	}
	if !geo.ValidRes(res) {
		return rollupUnit{}, fmt.Errorf("unit %d: H3 resolution %d is not in %d–%d", id, res, geo.MinRes, geo.MaxRes)
	}
	return rollupUnit{id: id, loc: loc, night: nw, res: res}, nil
}

// rollupUnits reads the rollup settings of units. A unit whose settings cannot be used (a time
// zone this program does not know) is returned in bad with the reason, not as an error, so that
// it holds up no other unit.
func rollupUnits(ctx context.Context, q querier, ids []int) (units map[int]rollupUnit, bad map[int]error, err error) {
	rows, err := q.Query(ctx, `SELECT id, timezone, to_char(night_start, 'HH24:MI'), to_char(night_end, 'HH24:MI'), h3_res
		FROM unit WHERE id = ANY ($1)`, ids)
	if err != nil {
		return nil, nil, classify(fmt.Errorf("read units for rollups: %w", err))
	}
	defer rows.Close()
	units, bad = make(map[int]rollupUnit, len(ids)), map[int]error{}
	for rows.Next() {
		var id int
		var tz, ns, ne string
		var res int16
		if err := rows.Scan(&id, &tz, &ns, &ne, &res); err != nil {
			return nil, nil, classify(fmt.Errorf("read units for rollups: %w", err))
		}
		u, err := newRollupUnit(id, tz, ns, ne, int(res))
		if err != nil {
			bad[id] = err
			continue
		}
		units[id] = u
	}
	return units, bad, classify(rows.Err())
}

// rollupUnit reads the rollup settings of one unit.
func (s *Store) rollupUnit(ctx context.Context, unitID int) (rollupUnit, error) {
	units, bad, err := rollupUnits(ctx, s.pool, []int{unitID})
	if err != nil {
		return rollupUnit{}, err
	}
	if err := bad[unitID]; err != nil {
		return rollupUnit{}, fmt.Errorf("coverage rollups: %w", err)
	}
	u, ok := units[unitID]
	if !ok {
		return rollupUnit{}, classify(fmt.Errorf("unit %d: %w", unitID, pgx.ErrNoRows))
	}
	return u, nil
}

// badUnitsError is a catch-up batch that claimed keys of units whose settings cannot be used.
type badUnitsError struct{ units map[int]error }

func (e *badUnitsError) Error() string {
	var msgs []string
	for _, err := range e.units {
		msgs = append(msgs, err.Error())
	}
	slices.Sort(msgs)
	return "rollup catch-up skipped units: " + strings.Join(msgs, "; ")
}

// querier is a pool, connection or transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// dayOf returns the rollup day that holds t.
func (u rollupUnit) dayOf(t time.Time) geo.Date {
	d := geo.DateOf(t, u.loc)
	if t.Before(d.At(rollupAnchor, u.loc)) {
		d = d.AddDays(-1)
	}
	return d
}

// span returns the instants of rollup day d: [d 12:00, d+1 12:00) local.
func (u rollupUnit) span(d geo.Date) geo.Period {
	return geo.Period{From: d.At(rollupAnchor, u.loc), To: d.AddDays(1).At(rollupAnchor, u.loc)}
}

// fixRange returns the fixes a key of day d reads: its span, an hour before and
// geo.MaxSegmentGap after.
func (u rollupUnit) fixRange(d geo.Date) geo.Period {
	sp := u.span(d)
	return geo.Period{From: sp.From.Add(-rollupLookback), To: sp.To.Add(geo.MaxSegmentGap)}
}

// pieces returns the pieces of rollup day d in time order: its span cut at local midnight and
// at the night's start and end.
func (u rollupUnit) pieces(d geo.Date) []rollupPiece {
	sp := u.span(d)
	cuts := []time.Time{sp.From, sp.To}
	for _, date := range []geo.Date{d, d.AddDays(1)} {
		for _, c := range []geo.Clock{0, u.night.Start, u.night.End} {
			if t := date.At(c, u.loc); t.After(sp.From) && t.Before(sp.To) {
				cuts = append(cuts, t)
			}
		}
	}
	slices.SortFunc(cuts, time.Time.Compare)
	cuts = slices.CompactFunc(cuts, time.Time.Equal)
	out := make([]rollupPiece, 0, len(cuts)-1)
	for i := 1; i < len(cuts); i++ {
		p := rollupPiece{Period: geo.Period{From: cuts[i-1].UTC(), To: cuts[i].UTC()}}
		p.night, p.isNight = u.night.NightOf(p.From, u.loc)
		out = append(out, p)
	}
	return out
}

// matches reports whether the piece lies in window w.
func (p rollupPiece) matches(w geo.Window) bool {
	switch w {
	case geo.WindowNight:
		return p.isNight
	case geo.WindowDay:
		return !p.isNight
	}
	return true
}

// within reports whether the piece lies wholly inside q.
func (p rollupPiece) within(q geo.Period) bool {
	return !p.From.Before(q.From) && !p.To.After(q.To)
}

// overlaps reports whether the piece and q share an instant.
func (p rollupPiece) overlaps(q geo.Period) bool {
	return p.From.Before(q.To) && q.From.Before(p.To)
}

// keyFix is a stored fix as the rollups read it.
type keyFix struct {
	device int
	fix    patrol.Fix
}

// keepForRollup reports whether a stored fix takes part in coverage at all: fixes flagged off
// duty, mock or as a conflicting duplicate count for nothing, and their flags cannot be
// recomputed.
func keepForRollup(flags int16) bool {
	return patrol.FixFlag(flags)&(patrol.FlagOffDuty|patrol.FlagDuplicate|patrol.FlagMock) == 0
}

// keyPasses computes the passes of one device on rollup day d at resolution res. fixes are the
// device's fixes of u.fixRange(d), sorted by time; they are flagged in place. Only pieces for
// which want returns true are computed, each clipped to clip when clip is bounded.
func (u rollupUnit) keyPasses(device int, fixes []patrol.Fix, d geo.Date, res int, clip geo.Period, want func(rollupPiece) bool) ([]rollupPass, error) {
	geo.FlagTrack(fixes)
	kept := slices.DeleteFunc(fixes, patrol.Fix.Ignored)
	if len(kept) < 2 {
		return nil, nil
	}
	name := strconv.Itoa(device)
	var out []rollupPass
	for _, pc := range u.pieces(d) {
		if want != nil && !want(pc) {
			continue
		}
		period := pc.Period
		if clip.Bounded() {
			if !pc.overlaps(clip) {
				continue
			}
			period = period.Intersect(clip)
		}
		lo, _ := slices.BinarySearchFunc(kept, period.From.Add(-geo.MaxSegmentGap), func(f patrol.Fix, t time.Time) int { return f.Time.Compare(t) })
		hi, found := slices.BinarySearchFunc(kept, period.To.Add(geo.MaxSegmentGap), func(f patrol.Fix, t time.Time) int { return f.Time.Compare(t) })
		if found {
			hi++
		}
		if hi-lo < 2 {
			continue
		}
		visits, err := geo.DeviceVisits(name, kept[lo:hi], geo.CoverageOptions{
			Res: res, Loc: u.loc, Night: u.night, Window: geo.WindowAll, Period: period,
		})
		if err != nil {
			return nil, fmt.Errorf("device %d on %s: %w", device, d, err)
		}
		for _, v := range visits {
			out = append(out, rollupPass{piece: pc, visit: v})
		}
	}
	return out, nil
}

// dateValue is a geo.Date as pgx sends a SQL date.
func dateValue(d geo.Date) time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// dateOfValue is a SQL date read by pgx as a geo.Date.
func dateOfValue(t time.Time) geo.Date { return geo.DateOf(t, time.UTC) }

// readKeyFixes appends to buf the fixes of one device of a unit in [p.From, p.To) that take
// part in coverage, sorted by time.
func readKeyFixes(rows pgx.Rows, buf []patrol.Fix) ([]patrol.Fix, error) {
	defer rows.Close()
	var f patrol.Fix
	var flags int16
	for rows.Next() {
		if err := rows.Scan(&f.Time, &f.Lon, &f.Lat, &f.Accuracy, &flags); err != nil {
			return buf, err
		}
		if keepForRollup(flags) {
			f.Time = f.Time.UTC()
			buf = append(buf, f)
		}
	}
	return buf, rows.Err()
}

// keyFixesSQL reads one device's fixes of a time range.
const keyFixesSQL = `SELECT ts, ST_X(geom), ST_Y(geom), coalesce(accuracy, 0)::float8, flags FROM fix
	WHERE device_id = $1 AND unit_id = $2 AND ts >= $3 AND ts < $4 ORDER BY ts`

// CatchUpOptions say which dirty rollup keys a catch-up recomputes.
type CatchUpOptions struct {
	UnitID  int      // only this unit's keys; 0 for every unit
	From    geo.Date // only keys of rollup days from From (zero: no lower bound)
	To      geo.Date // to To inclusive (zero: no upper bound)
	Workers int      // concurrent transactions; default 2
	// Wait makes the catch-up wait for keys that another transaction holds (a fold or a
	// writer of changed or deleted fixes still marking them, or another catch-up), and stop at
	// keys first marked after it started;
	// without it, held keys are skipped and it runs until the queue is empty.
	Wait bool
	// Settle and MaxAge leave alone keys that are still being marked: a key is recomputed
	// only once no fix has marked it for Settle, or once MaxAge has passed since it was first
	// marked. Zero recomputes every key now.
	Settle, MaxAge time.Duration
}

// RollupPolicy says how the background catch-up (RunRollups) works.
type RollupPolicy struct {
	Every  time.Duration // how often it looks at the queue
	Settle time.Duration // a key waits until no fix has marked it for this long …
	MaxAge time.Duration // … or until it was first marked this long ago
}

// DefaultRollupPolicy looks every 10 s and recomputes a key once its device has been quiet for
// 30 s, or at the latest 5 minutes after it was first marked. A phone streaming all night thus
// costs a recomputation of its night every 5 minutes, not one per batch; queries never wait for
// it, since CoverageVisits catches up the keys it needs before it reads.
func DefaultRollupPolicy() RollupPolicy {
	return RollupPolicy{Every: 10 * time.Second, Settle: 30 * time.Second, MaxAge: 5 * time.Minute}
}

// CatchUpRollups recomputes every dirty rollup key, skipping keys that another transaction
// holds, until none is left, and returns how many keys it recomputed. It is safe to run from
// several goroutines and servers at once.
func (s *Store) CatchUpRollups(ctx context.Context) (int, error) {
	st, err := s.CatchUp(ctx, CatchUpOptions{})
	return st.Keys, err
}

// CatchUpUnitRollups recomputes the dirty rollup keys of one unit, waiting for keys that a
// writer or another catch-up holds, and returns how many keys it recomputed.
func (s *Store) CatchUpUnitRollups(ctx context.Context, unitID int) (int, error) {
	st, err := s.CatchUp(ctx, CatchUpOptions{UnitID: unitID, Wait: true})
	return st.Keys, err
}

// RunRollups catches rollups up in the background as p says until ctx ends, logging what it
// did and any failure; serve starts it with DefaultRollupPolicy.
func (s *Store) RunRollups(ctx context.Context, p RollupPolicy, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	if p.Every <= 0 {
		p.Every = DefaultRollupPolicy().Every
	}
	t := time.NewTicker(p.Every)
	defer t.Stop()
	for {
		start := time.Now()
		st, err := s.CatchUp(ctx, CatchUpOptions{Settle: p.Settle, MaxAge: p.MaxAge})
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("rollup catch-up failed", "err", err)
		case st.Keys > 0:
			log.Info("rollups caught up", "keys", st.Keys, "fixes", st.Fixes, "passes", st.Passes, "duration", time.Since(start).Round(time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// CatchUp folds the marks of new fixes into the queue (rollup_fold), then recomputes dirty
// rollup keys as opt says and returns what it did.
func (s *Store) CatchUp(ctx context.Context, opt CatchUpOptions) (RollupStats, error) {
	if opt.Workers <= 0 {
		opt.Workers = 2
	}
	// The fold and the instant that bounds a waiting catch-up, in one round trip: every key of
	// a fix committed before this statement is then in the queue.
	var now time.Time
	if err := s.pool.QueryRow(ctx, `SELECT now(), rollup_fold()`).Scan(&now, nil); err != nil {
		return RollupStats{}, classify(fmt.Errorf("rollup catch-up: fold the new fixes' marks: %w", err))
	}
	var markedBefore *time.Time
	if opt.Wait {
		markedBefore = &now
	}
	var (
		mu      sync.Mutex
		total   RollupStats
		errs    []error
		skipped = map[int]error{} // units whose settings cannot be used
		wg      sync.WaitGroup
	)
	skipList := func() []int32 {
		mu.Lock()
		defer mu.Unlock()
		out := make([]int32, 0, len(skipped))
		for id := range skipped {
			out = append(out, int32(id))
		}
		return out
	}
	for range opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				st, err := s.catchUpBatch(ctx, opt, markedBefore, skipList(), false)
				if err == nil && st.Keys == 0 && opt.Wait {
					// Nothing left to claim without waiting: wait for the keys others hold.
					st, err = s.catchUpBatch(ctx, opt, markedBefore, skipList(), true)
				}
				var bad *badUnitsError
				mu.Lock()
				total.add(st)
				more := st.Keys > 0
				switch {
				case errors.As(err, &bad):
					// Leave those units' keys marked and go on with the others.
					for id, e := range bad.units {
						skipped[id] = e
					}
					more = true
				case err != nil:
					errs = append(errs, err)
				}
				stop := !more || len(errs) > 0
				mu.Unlock()
				if stop {
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(skipped) > 0 {
		errs = append(errs, &badUnitsError{units: skipped})
	}
	if err := errors.Join(errs...); err != nil {
		return total, err
	}
	return total, classify(ctx.Err())
}

// claimDirtyKeys locks up to rollupBatchKeys dirty (unit, device, day) keys of opt that are
// settled, skipping units in skip, and returns them with their units. With wait it waits for
// keys another catch-up holds; without, it skips them.
func claimDirtyKeys(ctx context.Context, tx pgx.Tx, opt CatchUpOptions, markedBefore *time.Time, skip []int32, wait bool) ([]rollupKey, []int, error) {
	lock := "FOR UPDATE SKIP LOCKED"
	if wait {
		lock = "FOR UPDATE"
	}
	var from, to *time.Time
	if !opt.From.IsZero() {
		v := dateValue(opt.From)
		from = &v
	}
	if !opt.To.IsZero() {
		v := dateValue(opt.To)
		to = &v
	}
	rows, err := tx.Query(ctx, `SELECT unit_id, device_id, day FROM rollup_dirty
		WHERE ($1 = 0 OR unit_id = $1) AND ($2::date IS NULL OR day >= $2) AND ($3::date IS NULL OR day <= $3)
		  AND ($4::timestamptz IS NULL OR first_marked_at <= $4) AND NOT (unit_id = ANY ($5::int[]))
		  AND (($6 = 0 AND $7 = 0) OR last_marked_at <= now() - make_interval(secs => $6)
		       OR ($7 > 0 AND first_marked_at <= now() - make_interval(secs => $7)))
		ORDER BY unit_id, device_id, day LIMIT `+strconv.Itoa(rollupBatchKeys)+` `+lock,
		opt.UnitID, from, to, markedBefore, skip, opt.Settle.Seconds(), opt.MaxAge.Seconds())
	if err != nil {
		return nil, nil, classify(fmt.Errorf("rollup catch-up: claim keys: %w", err))
	}
	var keys []rollupKey
	var unitIDs []int
	for rows.Next() {
		var k rollupKey
		var day time.Time
		if err := rows.Scan(&k.unit, &k.device, &day); err != nil {
			rows.Close()
			return nil, nil, classify(fmt.Errorf("rollup catch-up: claim keys: %w", err))
		}
		k.day = dateOfValue(day)
		keys = append(keys, k)
		if !slices.Contains(unitIDs, k.unit) {
			unitIDs = append(unitIDs, k.unit)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, classify(fmt.Errorf("rollup catch-up: claim keys: %w", err))
	}
	return keys, unitIDs, nil
}

// catchUpBatch claims up to rollupBatchKeys dirty keys, recomputes them and clears their marks
// in one transaction. It returns zero keys when there is nothing left to claim.
func (s *Store) catchUpBatch(ctx context.Context, opt CatchUpOptions, markedBefore *time.Time, skip []int32, wait bool) (RollupStats, error) {
	var st RollupStats
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return st, classify(fmt.Errorf("rollup catch-up: begin: %w", err))
	}
	defer tx.Rollback(ctx)
	keys, unitIDs, err := claimDirtyKeys(ctx, tx, opt, markedBefore, skip, wait)
	if err != nil {
		return st, err
	}
	if len(keys) == 0 {
		return st, nil
	}
	units, bad, err := rollupUnits(ctx, tx, unitIDs)
	if err != nil {
		return st, err
	}
	if len(bad) > 0 {
		return st, &badUnitsError{units: bad}
	}

	batch := &pgx.Batch{}
	for _, k := range keys {
		u, ok := units[k.unit]
		if !ok {
			continue // the unit is gone; its keys are only cleared below
		}
		r := u.fixRange(k.day)
		batch.Queue(keyFixesSQL, k.device, k.unit, r.From, r.To)
	}
	br := tx.SendBatch(ctx, batch)
	var copyRows [][]any
	var buf []patrol.Fix
	for _, k := range keys {
		st.Keys++
		u, ok := units[k.unit]
		if !ok {
			continue
		}
		fr, err := br.Query()
		if err != nil {
			br.Close()
			return st, classify(fmt.Errorf("rollup catch-up: fixes of device %d on %s: %w", k.device, k.day, err))
		}
		if buf, err = readKeyFixes(fr, buf[:0]); err != nil {
			br.Close()
			return st, classify(fmt.Errorf("rollup catch-up: fixes of device %d on %s: %w", k.device, k.day, err))
		}
		st.Fixes += len(buf)
		passes, err := u.keyPasses(k.device, buf, k.day, u.res, geo.Period{}, nil)
		if err != nil {
			br.Close()
			return st, fmt.Errorf("rollup catch-up: %w", err)
		}
		for _, p := range passes {
			var night *time.Time
			if p.piece.isNight {
				v := dateValue(p.piece.night)
				night = &v
			}
			copyRows = append(copyRows, []any{int32(k.unit), int32(k.device), dateValue(k.day), p.piece.From, p.piece.To, night,
				int16(u.res), int64(p.visit.Cell), p.visit.Enter, p.visit.Leave, p.visit.DwellS})
		}
	}
	if err := br.Close(); err != nil {
		return st, classify(fmt.Errorf("rollup catch-up: read fixes: %w", err))
	}

	us, ds, days := make([]int32, len(keys)), make([]int32, len(keys)), make([]time.Time, len(keys))
	for i, k := range keys {
		us[i], ds[i], days[i] = int32(k.unit), int32(k.device), dateValue(k.day)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM cell_pass c USING unnest($1::int[], $2::int[], $3::date[]) AS k(u, d, day)
		WHERE c.unit_id = k.u AND c.device_id = k.d AND c.day = k.day`, us, ds, days); err != nil {
		return st, classify(fmt.Errorf("rollup catch-up: delete old passes: %w", err))
	}
	if len(copyRows) > 0 {
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"cell_pass"},
			[]string{"unit_id", "device_id", "day", "piece_start", "piece_end", "night", "res", "cell", "enter_at", "leave_at", "dwell_s"},
			pgx.CopyFromRows(copyRows))
		if err != nil {
			return st, classify(fmt.Errorf("rollup catch-up: write passes: %w", err))
		}
		st.Passes = int(n)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM rollup_dirty r USING unnest($1::int[], $2::int[], $3::date[]) AS k(u, d, day)
		WHERE r.unit_id = k.u AND r.device_id = k.d AND r.day = k.day`, us, ds, days); err != nil {
		return st, classify(fmt.Errorf("rollup catch-up: clear marks: %w", err))
	}
	if err := tx.Commit(ctx); err != nil {
		return RollupStats{}, classify(fmt.Errorf("rollup catch-up: commit: %w", err))
	}
	return st, nil
}
