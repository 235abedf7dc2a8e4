package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// How StoreFixes writes a batch (measured in store/ingest_bench_test.go and docs/bench/ingest.md):
//
//   - Small batches (fewer than copyMinRows fixes, the group commits of /osmand and /owntracks)
//     are one INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING RETURNING: a single round
//     trip, and the RETURNING list says which fixes were new.
//   - Larger batches first read which of their (device, time) keys are already stored (a range
//     scan of the primary key per device), drop those, and COPY the rest straight into fix. That
//     costs what a raw COPY costs, plus one index range scan. If a concurrent writer stored one of
//     the keys in between, the COPY fails on the primary key; it is rolled back to a savepoint and
//     the batch goes through the INSERT … ON CONFLICT path instead, so the answer stays exact.
//
// A staging table (COPY into an UNLOGGED or temporary table, then INSERT … SELECT … ON CONFLICT
// DO NOTHING) was measured too and is slower than both on every batch size here; see
// BenchmarkStoreFixesIngest.
const copyMinRows = 500

// prevLookback bounds how far back StoreFixes looks for a device's previous fix. An implied speed
// of MaxSpeedKmh over a day is several thousand kilometres, so an older fix can never make a new
// one a jump, and the bound keeps the lookup inside one or two monthly partitions.
const prevLookback = 24 * time.Hour

// fixKey is a fix's identity: its device and its time in microseconds.
type fixKey struct {
	device int
	micros int64
}

func keyOf(f patrol.Fix) fixKey { return fixKey{f.DeviceID, f.Time.UnixMicro()} }

// StoreFixes writes fixes in one transaction and reports for each whether it was stored (true)
// or was a duplicate (false): of a fix already stored with the same device and time, or of an
// earlier fix in the same batch. It returns only after commit; on error nothing is stored.
//
// The quality flags are computed here, where the device's history is at hand, and stored with
// each fix (the Flags of the input are kept only for FlagOffDuty):
//   - geo.FlagLowAccuracy: accuracy worse than geo.MaxAccuracyM;
//   - geo.FlagJump: geo.FlagTrack over the device's fixes of the batch in time order, after the
//     device's latest unflagged stored fix before them (one primary-key probe per device);
//   - geo.FlagDuplicate: the batch held another fix of the device at the same time but at a
//     different place; the first one is stored and flagged, since neither can be trusted.
func (s *Store) StoreFixes(ctx context.Context, fixes []patrol.Fix) ([]bool, error) {
	stored := make([]bool, len(fixes))
	if len(fixes) == 0 {
		return stored, nil
	}
	rows, index := uniqueFixes(fixes)
	times := make([]time.Time, len(rows))
	for i := range rows {
		times[i] = rows[i].Time
	}
	if err := s.ensurePartitions(ctx, times); err != nil {
		return nil, err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, classify(fmt.Errorf("store fixes: begin: %w", err))
	}
	defer tx.Rollback(ctx)
	if err := flagFixes(ctx, tx, rows); err != nil {
		return nil, err
	}
	var isNew []bool
	if len(rows) >= copyMinRows {
		isNew, err = copyFixes(ctx, tx, rows)
	} else {
		isNew, err = insertFixes(ctx, tx, rows)
	}
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, classify(fmt.Errorf("store fixes: commit: %w", err))
	}
	for i, r := range index {
		if r >= 0 {
			stored[i] = isNew[r]
		}
	}
	return stored, nil
}

// uniqueFixes returns the batch without repeats of a (device, time) key, normalised for storage,
// and for each input its row in that list (-1 for a repeat). A repeat at another place marks the
// kept fix with geo.FlagDuplicate.
func uniqueFixes(fixes []patrol.Fix) ([]patrol.Fix, []int) {
	rows := make([]patrol.Fix, 0, len(fixes))
	index := make([]int, len(fixes))
	seen := make(map[fixKey]int, len(fixes))
	for i, f := range fixes {
		f.Time = f.Time.UTC().Truncate(time.Microsecond)
		if f.Source == "" {
			f.Source = "api"
		}
		f.Flags &= uint16(geo.FlagOffDuty)
		k := keyOf(f)
		if r, ok := seen[k]; ok {
			index[i] = -1
			if round7(rows[r].Lat) != round7(f.Lat) || round7(rows[r].Lon) != round7(f.Lon) {
				rows[r].Flags |= uint16(geo.FlagDuplicate)
			}
			continue
		}
		seen[k] = len(rows)
		index[i] = len(rows)
		rows = append(rows, f)
	}
	return rows, index
}

func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }

// flagFixes sets FlagLowAccuracy and FlagJump on rows (unique keys), judging each device's fixes
// after its latest unflagged stored fix before the earliest of them.
func flagFixes(ctx context.Context, tx pgx.Tx, rows []patrol.Fix) error {
	byDevice := map[int][]int{}
	for i, f := range rows {
		byDevice[f.DeviceID] = append(byDevice[f.DeviceID], i)
	}
	devices := make([]int32, 0, len(byDevice))
	firsts := make([]time.Time, 0, len(byDevice))
	for d, list := range byDevice {
		sort.Slice(list, func(a, b int) bool { return rows[list[a]].Time.Before(rows[list[b]].Time) })
		devices = append(devices, int32(d))
		firsts = append(firsts, rows[list[0]].Time)
	}
	prev := make(map[int]geo.Fix, len(devices))
	q, err := tx.Query(ctx, `SELECT q.d, p.ts, ST_X(p.geom), ST_Y(p.geom)
		FROM unnest($1::int[], $2::timestamptz[]) AS q(d, t)
		CROSS JOIN LATERAL (
			SELECT f.ts, f.geom FROM fix f
			WHERE f.device_id = q.d AND f.ts < q.t AND f.ts >= q.t - $3::interval AND f.flags = 0
			ORDER BY f.ts DESC LIMIT 1) p`, devices, firsts, prevLookback)
	if err != nil {
		return classify(fmt.Errorf("store fixes: previous fixes: %w", err))
	}
	for q.Next() {
		var d int32
		var g geo.Fix
		if err := q.Scan(&d, &g.Time, &g.Point[0], &g.Point[1]); err != nil {
			q.Close()
			return classify(fmt.Errorf("store fixes: previous fixes: %w", err))
		}
		g.Speed = math.NaN()
		prev[int(d)] = g
	}
	if err := q.Err(); err != nil {
		return classify(fmt.Errorf("store fixes: previous fixes: %w", err))
	}
	var track []geo.Fix
	for d, list := range byDevice {
		track = track[:0]
		p, hasPrev := prev[d]
		if hasPrev {
			track = append(track, p)
		}
		for _, i := range list {
			f := rows[i]
			acc := f.Accuracy
			if math.IsNaN(acc) {
				acc = 0
			}
			track = append(track, geo.Fix{Time: f.Time, Point: orb.Point{f.Lon, f.Lat}, Accuracy: acc, Speed: f.Speed})
		}
		geo.FlagTrack(track)
		off := 0
		if hasPrev {
			off = 1
		}
		for k, i := range list {
			computed := uint16(track[k+off].Flags) & uint16(geo.FlagLowAccuracy|geo.FlagJump)
			rows[i].Flags |= computed
		}
	}
	return nil
}

// fixColumns are the columns StoreFixes writes; received_at takes its default.
var fixColumns = []string{"unit_id", "device_id", "ts", "geom", "accuracy", "speed", "heading", "altitude", "battery", "source", "flags"}

// insertFixes writes rows with INSERT … SELECT FROM unnest … ON CONFLICT DO NOTHING and reports
// which were new.
func insertFixes(ctx context.Context, tx pgx.Tx, rows []patrol.Fix) ([]bool, error) {
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

// copyFixes drops the rows whose keys are already stored and COPYs the rest into fix; when a
// concurrent writer got there first it falls back to insertFixes.
func copyFixes(ctx context.Context, tx pgx.Tx, rows []patrol.Fix) ([]bool, error) {
	existing, err := storedKeys(ctx, tx, rows)
	if err != nil {
		return nil, err
	}
	isNew := make([]bool, len(rows))
	src := make([][]any, 0, len(rows))
	for i, f := range rows {
		if existing[keyOf(f)] {
			continue
		}
		isNew[i] = true
		g, err := ewkb.Marshal(orb.Point{f.Lon, f.Lat}, 4326)
		if err != nil {
			return nil, fmt.Errorf("store fixes: encode point: %w", err)
		}
		src = append(src, []any{int32(f.UnitID), int32(f.DeviceID), f.Time, g, nullable(f.Accuracy), nullable(f.Speed),
			nullable(f.Heading), nullable(f.Altitude), nullable(f.Battery), f.Source, int16(f.Flags)})
	}
	if len(src) == 0 {
		return isNew, nil
	}
	sp, err := tx.Begin(ctx) // a savepoint
	if err != nil {
		return nil, classify(fmt.Errorf("store fixes: savepoint: %w", err))
	}
	_, err = sp.CopyFrom(ctx, pgx.Identifier{"fix"}, fixColumns, pgx.CopyFromRows(src))
	if err == nil {
		if err := sp.Commit(ctx); err != nil {
			return nil, classify(fmt.Errorf("store fixes: release savepoint: %w", err))
		}
		return isNew, nil
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		return nil, classify(fmt.Errorf("store fixes: copy: %w", err))
	}
	if err := sp.Rollback(ctx); err != nil {
		return nil, classify(fmt.Errorf("store fixes: rollback to savepoint: %w", err))
	}
	return insertFixes(ctx, tx, rows)
}

// storedKeys returns the keys of rows that are already stored, reading each device's primary key
// over the time range the batch covers.
func storedKeys(ctx context.Context, tx pgx.Tx, rows []patrol.Fix) (map[fixKey]bool, error) {
	type span struct{ lo, hi time.Time }
	spans := map[int]*span{}
	for _, f := range rows {
		sp := spans[f.DeviceID]
		if sp == nil {
			spans[f.DeviceID] = &span{f.Time, f.Time}
			continue
		}
		if f.Time.Before(sp.lo) {
			sp.lo = f.Time
		}
		if f.Time.After(sp.hi) {
			sp.hi = f.Time
		}
	}
	devices := make([]int32, 0, len(spans))
	los, his := make([]time.Time, 0, len(spans)), make([]time.Time, 0, len(spans))
	for d, sp := range spans {
		devices = append(devices, int32(d))
		los, his = append(los, sp.lo), append(his, sp.hi)
	}
	q, err := tx.Query(ctx, `SELECT f.device_id, f.ts
		FROM unnest($1::int[], $2::timestamptz[], $3::timestamptz[]) AS q(d, lo, hi)
		JOIN fix f ON f.device_id = q.d AND f.ts >= q.lo AND f.ts <= q.hi`, devices, los, his)
	if err != nil {
		return nil, classify(fmt.Errorf("store fixes: read stored keys: %w", err))
	}
	defer q.Close()
	out := map[fixKey]bool{}
	for q.Next() {
		var d int32
		var t time.Time
		if err := q.Scan(&d, &t); err != nil {
			return nil, classify(fmt.Errorf("store fixes: read stored keys: %w", err))
		}
		out[fixKey{int(d), t.UnixMicro()}] = true
	}
	return out, classify(q.Err())
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
