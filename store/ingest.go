package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// How StoreFixes writes a batch (measured in store/ingest_bench_test.go and docs/bench/ingest.md):
// it reads which of the batch's (device, time) keys are already stored (a range scan of the
// primary key per device, in the same round trip as the duty read; none for a device whose
// batch starts after everything stored of it, see deviceTails), drops those, and COPYs the rest
// straight into fix in binary: what a raw COPY costs. If a concurrent writer stored one of the
// keys in between, the COPY fails on the primary key and nothing of it is stored; the batch is
// then written again through INSERT … SELECT FROM unnest … ON CONFLICT DO NOTHING RETURNING, so
// the answer stays exact. COPY is used for every size: per row it costs less than the INSERT
// (no speculative insertion, no RETURNING), small batches included.
//
// A staging table (COPY into a temporary table, then INSERT … SELECT … ON CONFLICT DO NOTHING)
// was measured too and is slower than the direct COPY on every batch size here; see
// BenchmarkStoreFixesIngest.

// prevLookback bounds how far back StoreFixes looks for a device's previous fix. An implied speed
// of MaxSpeedKmh over a day is several thousand kilometres, so an older fix can never make a new
// one a jump, and the bound keeps the lookup inside one or two monthly partitions.
const prevLookback = 24 * time.Hour

// errCopyConflict means a concurrent writer stored a key between the check and the COPY.
var errCopyConflict = errors.New("a fix was stored concurrently")

// fixQuerier is a connection or a transaction.
type fixQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// fixKey is a fix's identity: its device and its time in microseconds.
type fixKey struct {
	device int
	micros int64
}

func keyOf(f patrol.Fix) fixKey { return fixKey{f.DeviceID, f.Time.UnixMicro()} }

// StoreFixes writes fixes in one transaction and reports for each what became of it:
// patrol.FixStored, patrol.FixDuplicate (of a fix already stored with the same device and time,
// or of an earlier fix in the same batch) or patrol.FixOffDuty. It returns only after commit; on
// error nothing is stored.
//
// Duty: a device with no assignment at all is a unit device, always on duty. A fix of a device
// with assignments whose time lies outside all of their [valid_from, valid_to) is off duty: it
// is stored with patrol.FlagOffDuty when its unit keeps off-duty fixes (unit.store_off_duty), and
// otherwise not written at all (patrol.FixOffDuty). The assignments and the unit's choice are
// read with the device history, in the same round trip, and remembered for 10 s (dutyCache):
// an assignment or unit change made through this Store applies to the next batch; one made by
// another process or in SQL within 10 s.
//
// The quality flags are computed here, where the device's history is at hand, and stored with
// each fix (the Flags of the input are kept only for FlagOffDuty and patrol.FlagsReported, what the
// device said of the fix: mock, server time):
//   - patrol.FlagLowAccuracy: accuracy worse than geo.MaxAccuracyM;
//   - patrol.FlagJump: geo.FlagTrack over the device's fixes of the batch in time order, after the
//     device's latest stored fix before them with no ignored flag (one primary-key probe per device);
//   - patrol.FlagDuplicate: the batch held another fix of the device at the same time but at a
//     different place; the first one is stored and flagged, since neither can be trusted.
func (s *Store) StoreFixes(ctx context.Context, fixes []patrol.Fix) ([]patrol.StoreOutcome, error) {
	stored := make([]patrol.StoreOutcome, len(fixes)) // a repeat within the batch stays FixDuplicate
	if len(fixes) == 0 {
		return stored, nil
	}
	rows, index := batchRows(fixes)
	times := make([]time.Time, len(rows))
	for i := range rows {
		times[i] = rows[i].Time
	}
	if err := s.ensurePartitions(ctx, times); err != nil {
		return nil, err
	}
	outcome, err := s.writeFixes(ctx, rows, true)
	if errors.Is(err, errCopyConflict) {
		outcome, err = s.writeFixes(ctx, rows, false)
	}
	if err != nil {
		return nil, err
	}
	for i, r := range index {
		if r >= 0 {
			stored[i] = outcome[r]
		}
	}
	return stored, nil
}

// deviceDuty is what StoreFixes knows of a device with assignments: whether its unit keeps
// off-duty fixes and its assignment periods that overlap the batch (clipped to it).
type deviceDuty struct {
	store   bool
	periods [][2]time.Time // [from, to)
}

// onDuty reports whether t lies in one of the periods.
func (d *deviceDuty) onDuty(t time.Time) bool {
	for _, p := range d.periods {
		if !t.Before(p[0]) && t.Before(p[1]) {
			return true
		}
	}
	return false
}

// applyDuty returns the rows to write, with patrol.FlagOffDuty set on the off-duty ones that their
// unit keeps, and where each came from in rows (nil: all of rows, in place); outcome marks the
// off-duty rows that are not written as patrol.FixOffDuty. A FlagOffDuty already set by the
// caller is kept.
func applyDuty(rows []patrol.Fix, duty map[int]*deviceDuty) (write []patrol.Fix, at []int, outcome []patrol.StoreOutcome) {
	outcome = make([]patrol.StoreOutcome, len(rows))
	if len(duty) == 0 {
		return rows, nil, outcome // no device of the batch has assignments: all on duty
	}
	write, at = make([]patrol.Fix, 0, len(rows)), make([]int, 0, len(rows))
	for i, f := range rows {
		if d := duty[f.DeviceID]; d != nil && !d.onDuty(f.Time) {
			if !d.store {
				outcome[i] = patrol.FixOffDuty
				continue
			}
			f.Flags |= patrol.FlagOffDuty
		}
		write = append(write, f)
		at = append(at, i)
	}
	return write, at, outcome
}

// storedOutcome completes outcome (from applyDuty) with which of the written rows were new.
func storedOutcome(outcome []patrol.StoreOutcome, at []int, isNew []bool) []patrol.StoreOutcome {
	for k := range isNew {
		i := k
		if at != nil {
			i = at[k]
		}
		if isNew[k] {
			outcome[i] = patrol.FixStored
		} else {
			outcome[i] = patrol.FixDuplicate
		}
	}
	return outcome
}

// writeFixes is one attempt at StoreFixes' write on one connection: read what is needed of the
// devices' history (deviceTails spares the probes of devices whose batch starts after everything
// stored), flag, write by COPY or by INSERT … ON CONFLICT. Each write is a single statement that
// commits by itself, so neither path needs an explicit transaction: two round trips in all.
func (s *Store) writeFixes(ctx context.Context, rows []patrol.Fix, useCopy bool) ([]patrol.StoreOutcome, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, classify(fmt.Errorf("store fixes: %w", err))
	}
	defer conn.Release()
	spans := deviceSpans(rows)
	known := map[int]bool{}
	prev := map[int]patrol.Fix{}
	for d, sp := range spans {
		p, hasPrev, ok := s.tails.after(d, sp.lo)
		if !ok {
			continue
		}
		known[d] = true
		if hasPrev && !p.Time.Before(sp.lo.Add(-prevLookback)) {
			prev[d] = p
		}
	}
	duty := map[int]*deviceDuty{}
	missing, gen := lookupDuties(s.duties, slices.Collect(maps.Keys(spans)), duty, time.Now())
	h, err := readHistory(ctx, conn, spans, known, missing, useCopy)
	if err != nil {
		return nil, err
	}
	putDuties(s.duties, missing, h.duty, gen, time.Now())
	maps.Copy(duty, h.duty)
	for d, p := range h.prev {
		prev[d] = p
	}
	write, at, outcome := applyDuty(rows, duty)
	if len(write) == 0 {
		return outcome, nil
	}
	flagFixes(write, prev)
	var isNew []bool
	if useCopy {
		isNew, err = copyFixes(ctx, conn, write, h.existing)
	} else {
		isNew, err = insertFixes(ctx, conn, write)
	}
	if err != nil {
		s.tails.forget(slices.Collect(maps.Keys(spans)))
		return nil, err
	}
	s.rememberTails(write, spans, known, prev, h.latest)
	return storedOutcome(outcome, at, isNew), nil
}

// rememberTails records in s.tails what a successful write tells of each device's track: for a
// device whose batch started after everything stored of it, its new latest fix and latest fix
// with no ignored flag; a device whose batch reached back among stored fixes is forgotten, so
// its next batch probes again.
func (s *Store) rememberTails(write []patrol.Fix, spans map[int]*span, known map[int]bool, prev map[int]patrol.Fix, latest map[int]time.Time) {
	// write is in (device, time) order, so each device's fixes are one run of it.
	byDevice := make(map[int][]patrol.Fix, len(spans))
	for i := 0; i < len(write); {
		j := i + 1
		for j < len(write) && write[j].DeviceID == write[i].DeviceID {
			j++
		}
		d := write[i].DeviceID
		if had := byDevice[d]; had != nil {
			byDevice[d] = append(slices.Clip(had), write[i:j]...) // not expected: a second run
		} else {
			byDevice[d] = write[i:j]
		}
		i = j
	}
	var back []int
	for d, sp := range spans {
		l, probed := latest[d]
		if !known[d] && probed && !l.Before(sp.lo) {
			back = append(back, d)
			continue
		}
		p, hasPrev := prev[d]
		s.tails.wrote(d, byDevice[d], l, p, hasPrev, !known[d])
	}
	s.tails.forget(back)
}

// span is the time range a batch covers for one device.
type span struct{ lo, hi time.Time }

// deviceSpans returns the time range of each device's fixes in rows.
func deviceSpans(rows []patrol.Fix) map[int]*span {
	spans := map[int]*span{}
	for _, f := range rows {
		sp := spans[f.DeviceID]
		switch {
		case sp == nil:
			spans[f.DeviceID] = &span{f.Time, f.Time}
		case f.Time.Before(sp.lo):
			sp.lo = f.Time
		case f.Time.After(sp.hi):
			sp.hi = f.Time
		}
	}
	return spans
}

// batchRows returns the batch as StoreFixes writes it: in (device, time) order, without repeats
// of a (device, time) key, normalised for storage; and for each input its row in that list (-1
// for a repeat). Of the fixes that share a key the first one sent is kept, and marked with
// patrol.FlagDuplicate when another lies at a different place. The order makes concurrent
// writers of overlapping keys take their row locks in one order, so that they cannot deadlock
// each other, and puts each device's fixes in one run in time order for flagFixes.
func batchRows(fixes []patrol.Fix) ([]patrol.Fix, []int) {
	order := keyOrder(fixes)
	rows := make([]patrol.Fix, 0, len(fixes))
	index := make([]int, len(fixes))
	for k, o := range order {
		f := fixes[o.at]
		if k > 0 && o.key == order[k-1].key {
			index[o.at] = -1
			kept := &rows[len(rows)-1]
			if round7(kept.Lat) != round7(f.Lat) || round7(kept.Lon) != round7(f.Lon) {
				kept.Flags |= patrol.FlagDuplicate
			}
			continue
		}
		if f.Time = f.Time.UTC(); f.Time.Nanosecond()%1000 != 0 {
			f.Time = f.Time.Truncate(time.Microsecond)
		}
		if f.Source == "" {
			f.Source = "api"
		}
		f.Flags &= patrol.FlagOffDuty | patrol.FlagsReported
		index[o.at] = len(rows)
		rows = append(rows, f)
	}
	return rows, index
}

// keyAt is a fix's key and its position in the batch.
type keyAt struct {
	key fixKey
	at  int
}

// keyOrder returns the keys of fixes in (device, time, position) order. A batch holds few
// devices and each device's fixes mostly in time order, so the keys are placed device by device
// in one pass (a counting sort, which keeps the batch's order within a device) and only a
// device whose fixes are out of time order is sorted: a fraction of the cost of sorting the
// whole batch.
func keyOrder(fixes []patrol.Fix) []keyAt {
	order := make([]keyAt, len(fixes))
	sorted := true
	for i, f := range fixes {
		order[i] = keyAt{fixKey{f.DeviceID, f.Time.UnixMicro()}, i}
		if i > 0 && !keyLess(order[i-1].key, order[i].key) {
			sorted = false
		}
	}
	if sorted {
		return order
	}
	// Each device's slot, in the order devices first appear, and how many fixes it has.
	slotOf := map[int]int{}
	slot := make([]int32, len(fixes))
	var devices []int
	var count []int
	for i, f := range fixes {
		k, ok := slotOf[f.DeviceID]
		if !ok {
			k = len(devices)
			slotOf[f.DeviceID] = k
			devices, count = append(devices, f.DeviceID), append(count, 0)
		}
		slot[i] = int32(k)
		count[k]++
	}
	// Where each slot's run starts, devices in ascending order.
	bySlot := make([]int, len(devices))
	for k := range bySlot {
		bySlot[k] = k
	}
	slices.SortFunc(bySlot, func(a, b int) int { return devices[a] - devices[b] })
	start := make([]int, len(devices))
	n := 0
	for _, k := range bySlot {
		start[k] = n
		n += count[k]
	}
	placed := make([]keyAt, len(fixes))
	next := slices.Clone(start)
	for i, k := range slot {
		placed[next[k]] = order[i]
		next[k]++
	}
	for k := range devices {
		run := placed[start[k] : start[k]+count[k]]
		if !slices.IsSortedFunc(run, func(a, b keyAt) int { return cmp.Compare(a.key.micros, b.key.micros) }) {
			slices.SortFunc(run, func(a, b keyAt) int {
				if c := cmp.Compare(a.key.micros, b.key.micros); c != 0 {
					return c
				}
				return a.at - b.at
			})
		}
	}
	return placed
}

// keyLess orders fix keys by device, then time.
func keyLess(a, b fixKey) bool {
	if a.device != b.device {
		return a.device < b.device
	}
	return a.micros < b.micros
}

func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }

// history is what readHistory read of the devices of a batch.
type history struct {
	prev     map[int]patrol.Fix  // latest stored fix with no ignored flag before the batch
	duty     map[int]*deviceDuty // devices with assignments
	latest   map[int]time.Time   // latest stored fix (absent: none)
	existing map[fixKey]bool     // stored keys within the batch's spans
}

// readHistory reads, in one round trip (none when there is nothing to read): the duty of each
// device in dutyOf that has assignments (see deviceDuty; a device without any is absent), with
// all its assignments; and for the devices not in known: its latest stored fix with no ignored
// flag before its span (within prevLookback), the time of its latest stored fix, and, when
// withKeys, which keys of its span are stored already (a range scan of the primary key).
func readHistory(ctx context.Context, q fixQuerier, spans map[int]*span, known map[int]bool, dutyOf []int, withKeys bool) (history, error) {
	h := history{prev: map[int]patrol.Fix{}, duty: map[int]*deviceDuty{}, latest: map[int]time.Time{}, existing: map[fixKey]bool{}}
	var probe []int32
	var probeLo, probeHi []time.Time
	for d, sp := range spans {
		if !known[d] {
			probe, probeLo, probeHi = append(probe, int32(d)), append(probeLo, sp.lo), append(probeHi, sp.hi)
		}
	}
	batch := &pgx.Batch{}
	var reads []historyRead
	if len(dutyOf) > 0 {
		// Every assignment of each device, clipped to 1970–2100 so that no infinity reaches Go,
		// or one row of NULLs for a device without any.
		ids := make([]int32, len(dutyOf))
		for i, d := range dutyOf {
			ids[i] = int32(d)
		}
		batch.Queue(`SELECT q.d, un.store_off_duty,
				greatest(a.valid_from, '1970-01-01Z'::timestamptz), least(a.valid_to, '2100-01-01Z'::timestamptz)
			FROM unnest($1::int[]) AS q(d)
			JOIN device dv ON dv.id = q.d
			JOIN unit un ON un.id = dv.unit_id
			LEFT JOIN device_assignment a ON a.device_id = q.d`, ids)
		reads = append(reads, historyRead{"assignments", h.scanDuty})
	}
	if len(probe) > 0 {
		batch.Queue(`SELECT q.d, p.ts, ST_X(p.geom), ST_Y(p.geom)
			FROM unnest($1::int[], $2::timestamptz[]) AS q(d, t)
			CROSS JOIN LATERAL (
				SELECT f.ts, f.geom FROM fix f
				WHERE f.device_id = q.d AND f.ts < q.t AND f.ts >= q.t - $3::interval AND f.flags & $4 = 0
				ORDER BY f.ts DESC LIMIT 1) p`, probe, probeLo, prevLookback, int16(patrol.FlagsIgnored))
		batch.Queue(`SELECT q.d, l.ts FROM unnest($1::int[]) AS q(d)
			CROSS JOIN LATERAL (SELECT f.ts FROM fix f WHERE f.device_id = q.d ORDER BY f.ts DESC LIMIT 1) l`, probe)
		reads = append(reads, historyRead{"previous fixes", h.scanPrev}, historyRead{"latest fixes", h.scanLatest})
		if withKeys {
			// OFFSET 0 keeps the planner from turning the per-device range scans into a hash join
			// over a sequential scan of the partition, which it picks when the partition's
			// statistics are stale (a new month, a table just emptied) and which costs time in
			// proportion to the partition instead of to the batch.
			batch.Queue(`SELECT q.d, k.ts
				FROM unnest($1::int[], $2::timestamptz[], $3::timestamptz[]) AS q(d, lo, hi)
				CROSS JOIN LATERAL (
					SELECT f.ts FROM fix f WHERE f.device_id = q.d AND f.ts >= q.lo AND f.ts <= q.hi OFFSET 0) k`, probe, probeLo, probeHi)
			reads = append(reads, historyRead{"stored keys", h.scanExisting})
		}
	}
	if len(reads) == 0 {
		return h, nil
	}
	br := q.SendBatch(ctx, batch)
	defer br.Close()
	for _, r := range reads {
		if err := r.read(br); err != nil {
			return history{}, err
		}
	}
	return h, classify(br.Close())
}

// historyRead is one statement of readHistory's batch: what it reads, and how one row of it
// is taken into the history.
type historyRead struct {
	what string
	scan func(pgx.Rows) error
}

// read takes the rows of the next result of br.
func (r historyRead) read(br pgx.BatchResults) error {
	fail := func(err error) error { return classify(fmt.Errorf("store fixes: %s: %w", r.what, err)) }
	rows, err := br.Query()
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return fail(err)
		}
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	return nil
}

// scanDuty takes one row (device, store_off_duty, period from, period to) of the assignments.
func (h history) scanDuty(rows pgx.Rows) error {
	var d int32
	var keep bool
	var lo, hi *time.Time
	if err := rows.Scan(&d, &keep, &lo, &hi); err != nil {
		return err
	}
	if lo == nil || hi == nil {
		return nil // no assignment: always on duty
	}
	dd := h.duty[int(d)]
	if dd == nil {
		dd = &deviceDuty{store: keep}
		h.duty[int(d)] = dd
	}
	dd.periods = append(dd.periods, [2]time.Time{*lo, *hi})
	return nil
}

// scanPrev takes one row (device, time, x, y) of the previous unflagged fixes.
func (h history) scanPrev(rows pgx.Rows) error {
	var d int32
	var g patrol.Fix
	if err := rows.Scan(&d, &g.Time, &g.Lon, &g.Lat); err != nil {
		return err
	}
	g.Speed = math.NaN()
	h.prev[int(d)] = g
	return nil
}

// scanLatest takes one row (device, time) of the latest stored fixes.
func (h history) scanLatest(rows pgx.Rows) error {
	var d int32
	var t time.Time
	if err := rows.Scan(&d, &t); err != nil {
		return err
	}
	h.latest[int(d)] = t
	return nil
}

// scanExisting takes one row (device, time) of the stored keys.
func (h history) scanExisting(rows pgx.Rows) error {
	var d int32
	var t time.Time
	if err := rows.Scan(&d, &t); err != nil {
		return err
	}
	h.existing[fixKey{int(d), t.UnixMicro()}] = true
	return nil
}

// flagFixes sets FlagLowAccuracy and FlagJump on rows, which are in (device, time) order with
// unique keys (batchRows), judging each device's run of fixes after prev[device], its latest
// unflagged stored fix before them.
func flagFixes(rows []patrol.Fix, prev map[int]patrol.Fix) {
	var track []patrol.Fix
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && rows[j].DeviceID == rows[i].DeviceID {
			j++
		}
		run := rows[i:j]
		i = j
		track = track[:0]
		p, hasPrev := prev[run[0].DeviceID]
		if hasPrev {
			track = append(track, p)
		}
		for _, f := range run {
			acc := f.Accuracy
			if math.IsNaN(acc) {
				acc = 0
			}
			track = append(track, patrol.Fix{Time: f.Time, Lat: f.Lat, Lon: f.Lon, Accuracy: acc, Speed: f.Speed})
		}
		geo.FlagTrack(track)
		if hasPrev {
			track = track[1:]
		}
		const computed = patrol.FlagLowAccuracy | patrol.FlagJump
		for k := range run {
			run[k].Flags = run[k].Flags&^computed | track[k].Flags&computed
		}
	}
}

// fixColumns are the columns StoreFixes writes; received_at takes its default.
var fixColumns = []string{"unit_id", "device_id", "ts", "geom", "accuracy", "speed", "heading", "altitude", "battery", "source", "flags"}

// insertFixes writes rows with INSERT … SELECT FROM unnest … ON CONFLICT DO NOTHING and reports
// which were new.
func insertFixes(ctx context.Context, tx fixQuerier, rows []patrol.Fix) ([]bool, error) {
	n := len(rows)
	units, devices := make([]int32, n), make([]int32, n)
	times := make([]time.Time, n)
	lons, lats := make([]float64, n), make([]float64, n)
	acc, speed, heading, alt, batt := make([]*float32, n), make([]*float32, n), make([]*float32, n), make([]*float32, n), make([]*float32, n)
	src := make([]string, n)
	flags := make([]int16, n)
	for i, f := range rows {
		units[i], devices[i] = int32(f.UnitID), int32(f.DeviceID)
		times[i] = f.Time
		lons[i], lats[i] = f.Lon, f.Lat
		acc[i], speed[i], heading[i], alt[i], batt[i] = nullable(f.Accuracy), nullable(f.Speed), nullable(f.Heading), nullable(f.Altitude), nullable(f.Battery)
		src[i] = f.Source
		flags[i] = int16(f.Flags)
	}
	q, err := tx.Query(ctx, `INSERT INTO fix (unit_id, device_id, ts, geom, accuracy, speed, heading, altitude, battery, source, flags)
		SELECT u, d, t, ST_SetSRID(ST_MakePoint(x, y), 4326), a, sp, h, al, b, so, fl
		FROM unnest($1::int[], $2::int[], $3::timestamptz[], $4::float8[], $5::float8[], $6::real[], $7::real[], $8::real[], $9::real[], $10::real[], $11::text[], $12::smallint[])
		  AS q(u, d, t, x, y, a, sp, h, al, b, so, fl)
		ON CONFLICT (device_id, ts) DO NOTHING
		RETURNING device_id, ts`,
		units, devices, times, lons, lats, acc, speed, heading, alt, batt, src, flags)
	if err != nil {
		return nil, classify(fmt.Errorf("store fixes: insert: %w", err))
	}
	inserted := make(map[fixKey]bool, n)
	for q.Next() {
		var d int32
		var t time.Time
		if err := q.Scan(&d, &t); err != nil {
			q.Close()
			return nil, classify(fmt.Errorf("store fixes: insert: %w", err))
		}
		inserted[fixKey{int(d), t.UnixMicro()}] = true
	}
	if err := q.Err(); err != nil {
		return nil, classify(fmt.Errorf("store fixes: insert: %w", err))
	}
	isNew := make([]bool, n)
	for i, f := range rows {
		isNew[i] = inserted[keyOf(f)]
	}
	return isNew, nil
}

// copyFixes COPYs the rows whose keys are not in existing straight into fix, in one statement
// that commits by itself. A primary-key violation (a key stored meanwhile, or one the hint in
// deviceTails did not know of) is errCopyConflict, and nothing of the COPY is stored.
func copyFixes(ctx context.Context, conn interface{ Conn() *pgx.Conn }, rows []patrol.Fix, existing map[fixKey]bool) ([]bool, error) {
	isNew := make([]bool, len(rows))
	n := 0
	for i, f := range rows {
		if !existing[keyOf(f)] {
			isNew[i] = true
			n++
		}
	}
	if n == 0 {
		return isNew, nil
	}
	data := encodeCopyBinary(rows, isNew)
	_, err := conn.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(data), copyFixSQL)
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			return nil, errCopyConflict
		}
		return nil, classify(fmt.Errorf("store fixes: copy: %w", err))
	}
	return isNew, nil
}

// copyFixSQL is the COPY that encodeCopyBinary's stream feeds.
var copyFixSQL = "COPY fix (" + strings.Join(fixColumns, ", ") + ") FROM STDIN WITH (FORMAT binary)"

// pgEpochMicros is where PostgreSQL's binary timestamps count microseconds from, 2000-01-01 UTC,
// in Unix microseconds.
const pgEpochMicros = 946684800 * 1e6

// encodeCopyBinary writes the rows marked in which as PostgreSQL's binary COPY format for
// fixColumns: int4, int4, timestamptz, geometry (EWKB with SRID 4326), four real that may be
// NULL, real, text, smallint. Writing the bytes directly costs a fraction of encoding each value
// through pgx's type map.
func encodeCopyBinary(rows []patrol.Fix, which []bool) []byte {
	const copyRowBytes = 2 + 8 + 8 + 12 + 4 + 25 + 5*8 + 4 + 6 // field count, fields with their lengths, less the source text
	// The exact size: a 19-byte header, per row 109 bytes and its source less 4 for each NULL
	// real, a 2-byte trailer.
	size := 19 + 2
	for i, f := range rows {
		if which[i] {
			size += copyRowBytes + len(f.Source)
			for _, v := range [...]float64{f.Accuracy, f.Speed, f.Heading, f.Altitude, f.Battery} {
				if isNull(v) {
					size -= 4
				}
			}
		}
	}
	b := make([]byte, 0, size)
	b = append(b, "PGCOPY\n\xff\r\n\x00"...)
	b = binary.BigEndian.AppendUint32(b, 0) // flags
	b = binary.BigEndian.AppendUint32(b, 0) // header extension
	field := func(n int) { b = binary.BigEndian.AppendUint32(b, uint32(n)) }
	float4 := func(v float64) {
		if isNull(v) {
			b = binary.BigEndian.AppendUint32(b, 0xFFFFFFFF) // NULL
			return
		}
		field(4)
		b = binary.BigEndian.AppendUint32(b, math.Float32bits(float32(v)))
	}
	for i, f := range rows {
		if !which[i] {
			continue
		}
		b = binary.BigEndian.AppendUint16(b, uint16(len(fixColumns)))
		field(4)
		b = binary.BigEndian.AppendUint32(b, uint32(int32(f.UnitID)))
		field(4)
		b = binary.BigEndian.AppendUint32(b, uint32(int32(f.DeviceID)))
		field(8)
		b = binary.BigEndian.AppendUint64(b, uint64(f.Time.UnixMicro()-pgEpochMicros))
		// EWKB point: little endian, type Point with the SRID flag, SRID, x, y.
		field(25)
		b = append(b, 1)
		b = binary.LittleEndian.AppendUint32(b, 0x20000001)
		b = binary.LittleEndian.AppendUint32(b, 4326)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f.Lon))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f.Lat))
		float4(f.Accuracy)
		float4(f.Speed)
		float4(f.Heading)
		float4(f.Altitude)
		float4(f.Battery)
		field(len(f.Source))
		b = append(b, f.Source...)
		field(2)
		b = binary.BigEndian.AppendUint16(b, uint16(int16(f.Flags)))
	}
	return binary.BigEndian.AppendUint16(b, 0xFFFF) // trailer
}

// RejectMany writes entries to the rejection log in one statement, each raw input cut to 4 KiB.
func (s *Store) RejectMany(ctx context.Context, list []patrol.Rejection) error {
	if len(list) == 0 {
		return nil
	}
	n := len(list)
	units := make([]*int32, n)
	idents, sources, reasons, raws, addrs := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, r := range list {
		if r.UnitID != 0 {
			u := int32(r.UnitID)
			units[i] = &u
		}
		idents[i], sources[i], reasons[i] = logText(r.DeviceIdent, 200), logText(r.Source, 50), logText(r.Reason, 1000)
		raws[i], addrs[i] = logText(r.Raw, 4096), logText(r.Addr, 100)
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO fix_rejection (unit_id, device_ident, source, reason, raw, addr)
		SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])`,
		units, idents, sources, reasons, raws, addrs)
	if err != nil {
		return classify(fmt.Errorf("write rejections: %w", err))
	}
	return nil
}

// logText makes s storable as PostgreSQL text of at most max bytes: invalid UTF-8 becomes U+FFFD,
// NUL bytes (which text cannot hold) become spaces, and the cut falls between characters.
func logText(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", " ")
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// DevicesByIdent returns the registered devices among idents, keyed by the id their app sends;
// an id that is not registered is absent.
func (s *Store) DevicesByIdent(ctx context.Context, idents []string) (map[string]patrol.Device, error) {
	out := make(map[string]patrol.Device, len(idents))
	if len(idents) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT `+deviceColumns+` FROM device d JOIN unit un ON un.id = d.unit_id WHERE d.ident = ANY($1::text[])`, idents)
	if err != nil {
		return nil, classify(fmt.Errorf("devices by id: %w", err))
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("devices by id: %w", err))
		}
		out[d.Ident] = d
	}
	return out, classify(rows.Err())
}
