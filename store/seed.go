package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"
	"github.com/paulmach/orb/geojson"

	"github.com/patrolmap/patrolmap/demo"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// DemoLogin is one account created for the demo ward.
type DemoLogin struct {
	Username, Role, FullName string
}

// DemoPassword is the password of every demo account. The demo is synthetic and serves on
// 127.0.0.1; real units create their own users.
const DemoPassword = "patrolmap-demo"

// DemoResult says what LoadDemo did.
type DemoResult struct {
	Loaded    bool // false when the same seed and day were already loaded
	Fixes     int
	Incidents int
	Logins    []DemoLogin
}

func geomJSON(g orb.Geometry) (string, error) {
	b, err := json.Marshal(geojson.NewGeometry(g))
	return string(b), err
}

// LoadDemo replaces the demo unit's data with the generated ward w in one transaction. It is
// idempotent: a second call for the same seed and day changes nothing.
func (s *Store) LoadDemo(ctx context.Context, w *demo.Ward) (DemoResult, error) {
	res := DemoResult{Logins: demoLogins(w)}
	day := w.Day.Format("2006-01-02")
	var seen bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM demo_seed WHERE unit_code = $1 AND seed = $2 AND day = $3::date)`,
		w.Code, w.Seed, day).Scan(&seen); err != nil {
		return res, classify(fmt.Errorf("read demo marker: %w", err))
	}
	if seen {
		return res, nil
	}
	// Partitions for the whole fix period first (their creation commits on its own).
	first, last := w.FixSpan()
	if err := s.ensurePartitions(ctx, geo.MonthsUTC(first.Add(-24*time.Hour), last.Add(24*time.Hour))); err != nil {
		return res, err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return res, classify(fmt.Errorf("begin demo load: %w", err))
	}
	defer tx.Rollback(ctx)
	unitID, err := s.upsertDemoUnit(ctx, tx, w)
	if err != nil {
		return res, err
	}
	for _, a := range append(append([]demo.Area{}, w.Groups...), w.KeyAreas...) {
		g, err := geomJSON(a.Geometry)
		if err != nil {
			return res, fmt.Errorf("demo area %s: %w", a.Name, err)
		}
		buf := a.BufferM
		if buf == 0 {
			buf = 25
		}
		if _, err := tx.Exec(ctx, `INSERT INTO area (unit_id, kind, name, geom, buffer_m, required_night_visits, min_dwell_min)
			VALUES ($1, $2, $3, ST_SetSRID(ST_GeomFromGeoJSON($4::text), 4326), $5, $6, $7)`,
			unitID, a.Kind, a.Name, g, buf, a.RequiredNightVisits, a.MinDwellMin); err != nil {
			return res, classify(fmt.Errorf("demo area %s: %w", a.Name, err))
		}
	}
	for _, r := range w.Roads {
		g, err := geomJSON(r.Line)
		if err != nil {
			return res, fmt.Errorf("demo road %s: %w", r.Name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO road (unit_id, name, geom) VALUES ($1, $2, ST_SetSRID(ST_GeomFromGeoJSON($3::text), 4326))`,
			unitID, r.Name, g); err != nil {
			return res, classify(fmt.Errorf("demo road %s: %w", r.Name, err))
		}
	}
	deviceIDs, err := s.createDemoPeople(ctx, tx, w, unitID)
	if err != nil {
		return res, err
	}
	for _, in := range w.Incidents {
		if _, err := tx.Exec(ctx, `INSERT INTO incident (unit_id, external_id, ts, geom, category, severity, status, description, source)
			VALUES ($1, $2, $3, ST_SetSRID(ST_MakePoint($4, $5), 4326), $6, $7, $8, $9, 'demo')`,
			unitID, in.ExternalID, in.Time, in.Point[0], in.Point[1], in.Category, in.Severity, in.Status, in.Description); err != nil {
			return res, classify(fmt.Errorf("demo incident %s: %w", in.ExternalID, err))
		}
		res.Incidents++
	}
	n, err := copyDemoFixes(ctx, tx, w, unitID, deviceIDs)
	if err != nil {
		return res, err
	}
	res.Fixes = n
	if _, err := tx.Exec(ctx, `INSERT INTO demo_seed (unit_code, seed, day) VALUES ($1, $2, $3::date)
		ON CONFLICT (unit_code) DO UPDATE SET seed = EXCLUDED.seed, day = EXCLUDED.day, loaded_at = now()`, w.Code, w.Seed, day); err != nil {
		return res, classify(fmt.Errorf("write demo marker: %w", err))
	}
	if err := tx.Commit(ctx); err != nil {
		return res, classify(fmt.Errorf("commit demo load: %w", err))
	}
	res.Loaded = true
	// The COPY marked the ward's rollup keys dirty; compute them now so the first map is fast.
	if _, err := s.CatchUpUnitRollups(ctx, unitID); err != nil {
		return res, fmt.Errorf("demo coverage rollups: %w", err)
	}
	return res, nil
}

func demoLogins(w *demo.Ward) []DemoLogin {
	out := []DemoLogin{
		{Username: "admin", Role: string(patrol.RoleAdmin), FullName: "Quản trị viên (mô phỏng)"},
		{Username: "phantich", Role: string(patrol.RoleAnalyst), FullName: "Cán bộ phân tích (mô phỏng)"},
	}
	for _, o := range w.Officers {
		out = append(out, DemoLogin{Username: o.Username, Role: string(patrol.RoleOfficer), FullName: o.FullName})
	}
	return out
}

// upsertDemoUnit creates the demo unit or empties the existing one, returning its id.
func (s *Store) upsertDemoUnit(ctx context.Context, tx pgx.Tx, w *demo.Ward) (int, error) {
	boundary, err := geomJSON(w.Boundary)
	if err != nil {
		return 0, fmt.Errorf("demo boundary: %w", err)
	}
	var id int
	err = tx.QueryRow(ctx, `INSERT INTO unit (code, name, timezone, boundary, night_start, night_end, h3_res)
		VALUES ($1, $2, $3, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($4::text), 4326)), $5::time, $6::time, $7)
		ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, timezone = EXCLUDED.timezone, boundary = EXCLUDED.boundary,
		  night_start = EXCLUDED.night_start, night_end = EXCLUDED.night_end, h3_res = EXCLUDED.h3_res, updated_at = now()
		RETURNING id`, w.Code, w.Name, w.TimeZone, boundary, w.NightStart, w.NightEnd, w.H3Res).Scan(&id)
	if err != nil {
		return 0, classify(fmt.Errorf("demo unit: %w", err))
	}
	for _, q := range []string{
		`DELETE FROM fix WHERE unit_id = $1`,
		`DELETE FROM incident WHERE unit_id = $1`,
		`DELETE FROM area WHERE unit_id = $1`,
		`DELETE FROM road WHERE unit_id = $1`,
		`DELETE FROM route WHERE unit_id = $1`,
		`DELETE FROM device WHERE unit_id = $1`,
	} {
		if _, err := tx.Exec(ctx, q, id); err != nil {
			return 0, classify(fmt.Errorf("empty demo unit: %w", err))
		}
	}
	return id, nil
}

// createDemoPeople creates the demo accounts and devices and returns device ids by app id.
func (s *Store) createDemoPeople(ctx context.Context, tx pgx.Tx, w *demo.Ward, unitID int) (map[string]int, error) {
	// Demo accounts are updated in place (their ids may be referenced by audit entries,
	// incidents or routes). A same-named account that is not the demo's — not in the demo unit
	// and with another name — is left alone, and that demo login is skipped.
	userIDs := map[string]int64{}
	for _, l := range demoLogins(w) {
		var unit *int
		if l.Role != string(patrol.RoleAdmin) {
			unit = &unitID
		}
		// Each account its own hash, so its own salt: one shared hash would tell anyone who
		// reads the table that the accounts share a password.
		hash, err := bcryptHash(DemoPassword)
		if err != nil {
			return nil, err
		}
		var id int64
		err = tx.QueryRow(ctx, `INSERT INTO app_user (username, full_name, role, unit_id, password_hash) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (username) DO UPDATE SET full_name = EXCLUDED.full_name, role = EXCLUDED.role, unit_id = EXCLUDED.unit_id,
			  password_hash = EXCLUDED.password_hash, disabled = false, updated_at = now()
			WHERE app_user.unit_id = $6 OR app_user.full_name = EXCLUDED.full_name
			RETURNING id`, l.Username, l.FullName, l.Role, unit, hash, unitID).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, classify(fmt.Errorf("demo user %s: %w", l.Username, err))
		}
		userIDs[l.Username] = id
	}
	devices := map[string]int{}
	for _, o := range w.Officers {
		_, secretHash, err := NewSecret()
		if err != nil {
			return nil, err
		}
		var id int
		if err := tx.QueryRow(ctx, `INSERT INTO device (unit_id, ident, name, secret_hash) VALUES ($1, $2, $3, $4) RETURNING id`,
			unitID, o.DeviceID, "Điện thoại "+o.FullName, secretHash).Scan(&id); err != nil {
			return nil, classify(fmt.Errorf("demo device %s: %w", o.DeviceID, err))
		}
		if uid, ok := userIDs[o.Username]; ok {
			if _, err := tx.Exec(ctx, `INSERT INTO device_assignment (device_id, user_id) VALUES ($1, $2)`, id, uid); err != nil {
				return nil, classify(fmt.Errorf("demo assignment %s: %w", o.DeviceID, err))
			}
		}
		devices[o.DeviceID] = id
	}
	return devices, nil
}

// copyDemoFixes streams the ward's fixes device by device, flags them as ingest would, and
// COPYs them into fix.
func copyDemoFixes(ctx context.Context, tx pgx.Tx, w *demo.Ward, unitID int, devices map[string]int) (int, error) {
	total := 0
	var batch []demo.Fix
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		sort.SliceStable(batch, func(i, j int) bool { return batch[i].Time.Before(batch[j].Time) })
		track := make([]geo.Fix, len(batch))
		for i, f := range batch {
			track[i] = geo.Fix{Time: f.Time, Point: f.Point, Accuracy: f.Accuracy, Speed: f.Speed}
		}
		geo.FlagTrack(track)
		rows := make([][]any, 0, len(batch))
		for i, f := range batch {
			dev, ok := devices[f.DeviceID]
			if !ok {
				return fmt.Errorf("demo fix of unknown device %s", f.DeviceID)
			}
			if i > 0 && batch[i-1].Time.Equal(f.Time) {
				continue
			}
			g, err := ewkb.Marshal(f.Point, 4326)
			if err != nil {
				return fmt.Errorf("encode demo fix: %w", err)
			}
			received := f.Time.Add(2 * time.Second)
			if f.Late {
				received = f.Time.Add(3 * time.Hour)
			}
			rows = append(rows, []any{int32(unitID), int32(dev), f.Time, g, float32(f.Accuracy), float32(f.Speed), float32(f.Heading),
				float32(f.Altitude), float32(f.Battery), "demo", int16(track[i].Flags), received})
		}
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"fix"},
			[]string{"unit_id", "device_id", "ts", "geom", "accuracy", "speed", "heading", "altitude", "battery", "source", "flags", "received_at"},
			pgx.CopyFromRows(rows))
		if err != nil {
			return classify(fmt.Errorf("copy demo fixes: %w", err))
		}
		total += int(n)
		batch = batch[:0]
		return nil
	}
	err := w.Fixes(func(f demo.Fix) error {
		if len(batch) > 0 && batch[0].DeviceID != f.DeviceID {
			if err := flush(); err != nil {
				return err
			}
		}
		batch = append(batch, f)
		return nil
	})
	if err != nil {
		return total, err
	}
	return total, flush()
}
