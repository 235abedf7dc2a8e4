package store

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/patrolmap/patrolmap/geo"
)

// ScaleOptions size the synthetic sample that SeedScale generates: Units wards, each with
// Officers devices patrolling every one of Nights nights for ShiftHours, a fix every FixEvery.
// The defaults (30 wards × 5 officers × 30 nights × 4.6 h at 5 s) make about 15 million fixes.
type ScaleOptions struct {
	Units      int           // wards; default 30
	Officers   int           // devices per ward; default 5
	Nights     int           // nights of patrol, ending the night before Day; default 30
	ShiftHours float64       // hours each officer patrols a night; default 4.6
	FixEvery   time.Duration // time between fixes; default 5 s
	Day        time.Time     // the local day after the last night; default today
	Seed       int64         // varies the patrols and incidents
	Prefix     string        // unit codes are Prefix-01, Prefix-02, …; default "scale"
}

// ScaleResult says what SeedScale wrote.
type ScaleResult struct {
	Units, Devices, Areas, Incidents, Fixes int
	Elapsed                                 time.Duration
}

func (o ScaleOptions) withDefaults() ScaleOptions {
	if o.Units <= 0 {
		o.Units = 30
	}
	if o.Officers <= 0 {
		o.Officers = 5
	}
	if o.Nights <= 0 {
		o.Nights = 30
	}
	if o.ShiftHours <= 0 {
		o.ShiftHours = 4.6
	}
	if o.FixEvery <= 0 {
		o.FixEvery = 5 * time.Second
	}
	if o.Day.IsZero() {
		o.Day = time.Now()
	}
	if o.Prefix == "" {
		o.Prefix = "scale"
	}
	return o
}

// Layout of the synthetic wards: squares of scaleWardDeg degrees (about 2.1 × 2.2 km, a
// ward of 4–5 km²) on a grid northwest of Thái Nguyên, scaleGapDeg apart.
const (
	scaleOriginLon = 105.60
	scaleOriginLat = 21.30
	scaleWardDeg   = 0.02
	scaleGapDeg    = 0.025
	scaleGridCols  = 10
	scaleLegFixes  = 36 // fixes per straight leg between two waypoints (3 minutes at 5 s)
	scaleZone      = "Asia/Ho_Chi_Minh"
)

// scaleHash is a SQL expression of a pseudo-random number in [0, 1) from three numeric
// expressions and the seed ($2 of the statement), computed in the database: the
// fractional part of a large multiple of a sine, as GPU shaders do. It is deterministic for
// its inputs and cheap enough for millions of rows.
func scaleHash(a, b, c string) string {
	x := "sin((" + a + ") * 12.9898 + (" + b + ") * 78.233 + (" + c + ") * 37.719 + $2 * 0.618034) * 43758.5453"
	return "(" + x + " - floor(" + x + "))"
}

// SeedScale generates the synthetic large sample inside the database: units Prefix-01 to
// Prefix-NN (replacing their data when they exist), their devices, four key areas and a key
// road each, 300 incidents each over the last year, and every fix, written by one
// INSERT … SELECT FROM generate_series per unit so that nothing crosses the network. An
// officer's night is a shift starting between 22:00 and 22:40 local, walking or riding in
// straight three-minute legs between pseudo-random waypoints of the ward. progress, when not
// nil, is told about each unit. The fixes mark their rollup keys dirty as any insert does; run
// CatchUpRollups afterwards.
func (s *Store) SeedScale(ctx context.Context, opt ScaleOptions, progress func(string)) (ScaleResult, error) {
	opt = opt.withDefaults()
	start := time.Now()
	var res ScaleResult
	loc, err := time.LoadLocation(scaleZone)
	if err != nil {
		return res, fmt.Errorf("seed scale: %w", err)
	}
	y, m, d := opt.Day.In(loc).Date()
	lastDay := time.Date(y, m, d, 0, 0, 0, 0, loc)
	firstNight := lastDay.AddDate(0, 0, -opt.Nights)
	if err := s.ensurePartitions(ctx, geo.MonthsUTC(firstNight.Add(-24*time.Hour), lastDay.Add(48*time.Hour))); err != nil {
		return res, err
	}
	perShift := int(math.Round(opt.ShiftHours * 3600 / opt.FixEvery.Seconds()))

	for i := range opt.Units {
		code := fmt.Sprintf("%s-%02d", opt.Prefix, i+1)
		x0 := scaleOriginLon + float64(i%scaleGridCols)*scaleGapDeg
		y0 := scaleOriginLat + float64(i/scaleGridCols)*scaleGapDeg
		n, err := s.seedScaleUnit(ctx, opt, code, x0, y0, firstNight, perShift)
		if err != nil {
			return res, err
		}
		res.Units++
		res.Devices += opt.Officers
		res.Areas += 5
		res.Incidents += 300
		res.Fixes += n
		if progress != nil {
			progress(fmt.Sprintf("%s: %d fixes (%d so far, %s)", code, n, res.Fixes, time.Since(start).Round(time.Second)))
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// seedScaleUnit writes one synthetic ward in one transaction and returns its number of fixes.
func (s *Store) seedScaleUnit(ctx context.Context, opt ScaleOptions, code string, x0, y0 float64, firstNight time.Time, perShift int) (int, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, classify(fmt.Errorf("seed %s: begin: %w", code, err))
	}
	defer tx.Rollback(ctx)
	var unitID int
	err = tx.QueryRow(ctx, `INSERT INTO unit (code, name, timezone, boundary, h3_res)
		VALUES ($1, $2, $3, ST_Multi(ST_MakeEnvelope($4::float8, $5::float8, $4::float8 + $6::float8, $5::float8 + $6::float8, 4326)), 10)
		ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, timezone = EXCLUDED.timezone, boundary = EXCLUDED.boundary,
		  night_start = '22:00', night_end = '05:00', h3_res = 10, updated_at = now()
		RETURNING id`, code, "Phường mô phỏng "+code, scaleZone, x0, y0, scaleWardDeg).Scan(&unitID)
	if err != nil {
		return 0, classify(fmt.Errorf("seed %s: unit: %w", code, err))
	}
	for _, q := range []string{
		`DELETE FROM fix WHERE unit_id = $1`,
		`DELETE FROM incident WHERE unit_id = $1`,
		`DELETE FROM area WHERE unit_id = $1`,
		`DELETE FROM device WHERE unit_id = $1`,
	} {
		if _, err := tx.Exec(ctx, q, unitID); err != nil {
			return 0, classify(fmt.Errorf("seed %s: empty the unit: %w", code, err))
		}
	}
	seed := float64(opt.Seed%1000) + float64(unitID%97)
	steps := []struct {
		what string
		sql  string
		args []any
	}{
		{"devices", `INSERT INTO device (unit_id, ident, name, secret_hash)
			SELECT $1, $2 || '-phone-' || g, 'Điện thoại mô phỏng ' || g,
			       sha256(convert_to($2 || '-' || g || '-' || gen_random_uuid()::text, 'UTF8'))
			FROM generate_series(1, $3) AS g`,
			[]any{unitID, code, opt.Officers}},
		{"key areas", `INSERT INTO area (unit_id, kind, name, geom, buffer_m, required_night_visits, min_dwell_min)
			SELECT $1, 'key_area', 'Khu trọng điểm ' || g,
			       ST_MakeEnvelope(cx - 0.0005, cy - 0.0005, cx + 0.0005, cy + 0.0005, 4326), 25, 1, (g % 2) * 10
			FROM generate_series(1, 4) AS g,
			     LATERAL (SELECT $3::float8 + 0.001 + ($5::float8 - 0.002) * ` + scaleHash("g", "1", "11") + ` AS cx,
			                     $4::float8 + 0.001 + ($5::float8 - 0.002) * ` + scaleHash("g", "2", "11") + ` AS cy) c`,
			[]any{unitID, seed, x0, y0, scaleWardDeg}},
		{"key road", `INSERT INTO area (unit_id, kind, name, geom, buffer_m, required_night_visits, min_dwell_min)
			VALUES ($1, 'key_road', 'Tuyến trọng điểm', ST_SetSRID(ST_MakeLine(ST_MakePoint($2::float8, $3::float8 + $4::float8 / 2), ST_MakePoint($2::float8 + $4::float8, $3::float8 + $4::float8 / 2)), 4326), 25, 2, 0)`,
			[]any{unitID, x0, y0, scaleWardDeg}},
		{"incidents", `INSERT INTO incident (unit_id, external_id, ts, geom, category, severity, status, source)
			SELECT $1, 'SCALE-' || g, $6::timestamptz - make_interval(secs => 365 * 86400 * ` + scaleHash("g", "3", "13") + `),
			       ST_SetSRID(ST_MakePoint($3::float8 + $5::float8 * ` + scaleHash("g", "4", "13") + `, $4::float8 + $5::float8 * ` + scaleHash("g", "5", "13") + `), 4326),
			       (ARRAY['theft','robbery','drugs','gambling','disorder','traffic_accident','fire','fraud','other'])[1 + floor(9 * ` + scaleHash("g", "6", "13") + `)::int],
			       1 + floor(5 * ` + scaleHash("g", "7", "13") + `)::int, 'open', 'scale'
			FROM generate_series(1, 300) AS g`,
			[]any{unitID, seed, x0, y0, scaleWardDeg, firstNight.AddDate(0, 0, opt.Nights)}},
	}
	for _, st := range steps {
		if _, err := tx.Exec(ctx, st.sql, st.args...); err != nil {
			return 0, classify(fmt.Errorf("seed %s: %s: %w", code, st.what, err))
		}
	}
	// Waypoint k of officer o on night n: a pseudo-random point of the ward. Fix i lies a
	// fraction f of the way along leg k = i / scaleLegFixes.
	wx := func(k string) string { return scaleHash("a", k, "1") }
	wy := func(k string) string { return scaleHash("a", k, "2") }
	tag, err := tx.Exec(ctx, `INSERT INTO fix (unit_id, device_id, ts, geom, accuracy, speed, source, flags)
		SELECT $1, dv.id, sh.start + make_interval(secs => i * $6::float8),
		       ST_SetSRID(ST_MakePoint($3::float8 + $5::float8 * ((1 - l.f) * `+wx("l.k")+` + l.f * `+wx("l.k + 1")+`),
		                               $4::float8 + $5::float8 * ((1 - l.f) * `+wy("l.k")+` + l.f * `+wy("l.k + 1")+`)), 4326),
		       round((4 + 6 * `+scaleHash("a", "i", "3")+`)::numeric, 1), NULL, 'scale', 0
		FROM (SELECT id, row_number() OVER (ORDER BY id) AS o FROM device WHERE unit_id = $1) dv
		CROSS JOIN generate_series(0, $8::int - 1) AS n
		CROSS JOIN LATERAL (SELECT (dv.o * 131 + n * 17)::float8 AS a,
		       ((($7::date + n) + time '22:00') AT TIME ZONE '`+scaleZone+`')
		         + make_interval(mins => floor(40 * `+scaleHash("dv.o * 131 + n * 17", "0", "5")+`)::int) AS start) sh
		CROSS JOIN generate_series(0, $9::int - 1) AS i
		CROSS JOIN LATERAL (SELECT (i / `+strconv.Itoa(scaleLegFixes)+`)::float8 AS k,
		       (i % `+strconv.Itoa(scaleLegFixes)+`)::float8 / `+strconv.Itoa(scaleLegFixes)+` AS f) l`,
		unitID, seed, x0, y0, scaleWardDeg, opt.FixEvery.Seconds(), firstNight.Format(time.DateOnly), opt.Nights, perShift)
	if err != nil {
		return 0, classify(fmt.Errorf("seed %s: fixes: %w", code, err))
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, classify(fmt.Errorf("seed %s: commit: %w", code, err))
	}
	return int(tag.RowsAffected()), nil
}

// ScaleUnitCodes returns the unit codes SeedScale writes for opt.
func ScaleUnitCodes(opt ScaleOptions) []string {
	opt = opt.withDefaults()
	out := make([]string, opt.Units)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%02d", opt.Prefix, i+1)
	}
	return out
}
