package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// WardLoad is a whole ward loaded in one transaction by LoadWard, replacing what the unit held:
// the unit, its areas and roads, its accounts and devices, incidents and fixes. It is how a
// synthetic ward (demo/load) reaches the database; nothing in it is particular to the demo.
type WardLoad struct {
	Unit      patrol.Unit   // Code, Name, TimeZone, Boundary, NightStart, NightEnd, H3Res
	Areas     []patrol.Area // Kind, Name, Geometry, BufferM (0: 25), RequiredNightVisits, MinDwellMin
	Roads     []patrol.Road // Name, Geometry
	Accounts  []WardAccount
	Devices   []WardDevice
	Incidents []patrol.Incident // ExternalID, Time, Lat, Lon, Category, Severity, Status, Description, Source
	// Fixes streams the fixes device by device: DeviceIdent, the fix (Time, Lat, Lon,
	// Accuracy, Speed, Heading, Altitude, Battery, Source) and ReceivedAt. They are flagged as ingest
	// flags them and copied in.
	Fixes func(fn func(patrol.StoredFix) error) error
	// FixFrom and FixTo bound the fixes' times, for the monthly partitions.
	FixFrom, FixTo time.Time
	// Seed and Day mark the load: a second LoadWard of the same unit, seed and day changes
	// nothing.
	Seed int64
	Day  string
	// Through, when set, is the moment the ward's timed data is loaded up to: where a live play
	// of it (WardPlay, AdvanceWardPlay) starts. Zero leaves the ward unplayed.
	Through time.Time
}

// WardAccount is an account of a loaded ward, created or updated in place (its id may be
// referenced by audit entries, incidents or routes). A same-named account that is not the
// ward's — outside the unit and with another full name — is left alone and the account skipped.
type WardAccount struct {
	Username, FullName string
	Role               patrol.Role // admin accounts are of all units, the others of the ward's unit
	Password           string
}

// WardDevice is a device of a loaded ward, assigned to the account Username when there is one.
type WardDevice struct {
	Ident, Name, Username string
}

// WardResult says what LoadWard did.
type WardResult struct {
	Loaded    bool // false when the same unit, seed and day were already loaded
	Fixes     int
	Incidents int
}

// LoadWard replaces a unit's data with w in one transaction. It is idempotent: a second call
// for the same unit, seed and day changes nothing.
func (s *Store) LoadWard(ctx context.Context, w WardLoad) (WardResult, error) {
	defer s.duties.ForgetAll() // after commit: StoreFixes reads the new duty
	var res WardResult
	var seen bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM demo_seed WHERE unit_code = $1 AND seed = $2 AND day = $3::date)`,
		w.Unit.Code, w.Seed, w.Day).Scan(&seen); err != nil {
		return res, classify(fmt.Errorf("read ward marker: %w", err))
	}
	if seen {
		return res, nil
	}
	// Partitions for the whole fix period first (their creation commits on its own).
	if err := s.ensurePartitions(ctx, geo.MonthsUTC(w.FixFrom.Add(-24*time.Hour), w.FixTo.Add(24*time.Hour))); err != nil {
		return res, err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return res, classify(fmt.Errorf("begin ward load: %w", err))
	}
	defer tx.Rollback(ctx)
	unitID, err := upsertWardUnit(ctx, tx, w.Unit)
	if err != nil {
		return res, err
	}
	if err := insertWardPlaces(ctx, tx, w, unitID); err != nil {
		return res, err
	}
	deviceIDs, err := createWardPeople(ctx, tx, w, unitID)
	if err != nil {
		return res, err
	}
	for _, in := range w.Incidents {
		if _, err := tx.Exec(ctx, `INSERT INTO incident (unit_id, external_id, ts, geom, category, severity, status, description, source)
			VALUES ($1, $2, $3, ST_SetSRID(ST_MakePoint($4, $5), 4326), $6, $7, $8, $9, $10)`,
			unitID, in.ExternalID, in.Time, in.Lon, in.Lat, in.Category, in.Severity, in.Status, in.Description, in.Source); err != nil {
			return res, classify(fmt.Errorf("ward incident %s: %w", in.ExternalID, err))
		}
		res.Incidents++
	}
	if res.Fixes, err = copyWardFixes(ctx, tx, w.Fixes, unitID, deviceIDs); err != nil {
		return res, err
	}
	var through *time.Time
	if !w.Through.IsZero() {
		through = &w.Through
	}
	if _, err := tx.Exec(ctx, `INSERT INTO demo_seed (unit_code, seed, day, played_until) VALUES ($1, $2, $3::date, $4)
		ON CONFLICT (unit_code) DO UPDATE SET seed = EXCLUDED.seed, day = EXCLUDED.day, loaded_at = now(),
		  played_until = EXCLUDED.played_until`, w.Unit.Code, w.Seed, w.Day, through); err != nil {
		return res, classify(fmt.Errorf("write ward marker: %w", err))
	}
	if err := tx.Commit(ctx); err != nil {
		return res, classify(fmt.Errorf("commit ward load: %w", err))
	}
	res.Loaded = true
	// The COPY marked the ward's rollup keys dirty; compute them now so the first map is fast.
	if _, err := s.CatchUpUnitRollups(ctx, unitID); err != nil {
		return res, fmt.Errorf("ward coverage rollups: %w", err)
	}
	return res, nil
}

// upsertWardUnit creates the unit or empties the existing one, returning its id.
func upsertWardUnit(ctx context.Context, tx pgx.Tx, u patrol.Unit) (int, error) {
	var id int
	err := tx.QueryRow(ctx, `INSERT INTO unit (code, name, timezone, boundary, night_start, night_end, h3_res)
		VALUES ($1, $2, $3, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($4::text), 4326)), $5::time, $6::time, $7)
		ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, timezone = EXCLUDED.timezone, boundary = EXCLUDED.boundary,
		  night_start = EXCLUDED.night_start, night_end = EXCLUDED.night_end, h3_res = EXCLUDED.h3_res, updated_at = now()
		RETURNING id`, u.Code, u.Name, u.TimeZone, string(u.Boundary), u.NightStart, u.NightEnd, u.H3Res).Scan(&id)
	if err != nil {
		return 0, classify(fmt.Errorf("ward unit: %w", err))
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
			return 0, classify(fmt.Errorf("empty ward unit: %w", err))
		}
	}
	return id, nil
}

// insertWardPlaces inserts the ward's areas and roads.
func insertWardPlaces(ctx context.Context, tx pgx.Tx, w WardLoad, unitID int) error {
	for _, a := range w.Areas {
		buf := a.BufferM
		if buf == 0 {
			buf = 25
		}
		if _, err := tx.Exec(ctx, `INSERT INTO area (unit_id, kind, name, geom, buffer_m, required_night_visits, min_dwell_min)
			VALUES ($1, $2, $3, ST_SetSRID(ST_GeomFromGeoJSON($4::text), 4326), $5, $6, $7)`,
			unitID, a.Kind, a.Name, string(a.Geometry), buf, a.RequiredNightVisits, a.MinDwellMin); err != nil {
			return classify(fmt.Errorf("ward area %s: %w", a.Name, err))
		}
	}
	for _, r := range w.Roads {
		if _, err := tx.Exec(ctx, `INSERT INTO road (unit_id, name, geom) VALUES ($1, $2, ST_SetSRID(ST_GeomFromGeoJSON($3::text), 4326))`,
			unitID, r.Name, string(r.Geometry)); err != nil {
			return classify(fmt.Errorf("ward road %s: %w", r.Name, err))
		}
	}
	return nil
}

// createWardPeople creates the ward's accounts and devices and returns device ids by ident.
func createWardPeople(ctx context.Context, tx pgx.Tx, w WardLoad, unitID int) (map[string]int, error) {
	userIDs := map[string]int64{}
	for _, a := range w.Accounts {
		var unit *int
		if a.Role != patrol.RoleAdmin {
			unit = &unitID
		}
		// Each account its own hash, so its own salt: one shared hash would tell anyone who
		// reads the table that the accounts share a password.
		hash, err := bcryptHash(a.Password)
		if err != nil {
			return nil, err
		}
		var id int64
		err = tx.QueryRow(ctx, `INSERT INTO app_user (username, full_name, role, unit_id, password_hash) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (username) DO UPDATE SET full_name = EXCLUDED.full_name, role = EXCLUDED.role, unit_id = EXCLUDED.unit_id,
			  password_hash = EXCLUDED.password_hash, disabled = false, updated_at = now()
			WHERE app_user.unit_id = $6 OR app_user.full_name = EXCLUDED.full_name
			RETURNING id`, a.Username, a.FullName, string(a.Role), unit, hash, unitID).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, classify(fmt.Errorf("ward user %s: %w", a.Username, err))
		}
		userIDs[a.Username] = id
	}
	devices := map[string]int{}
	for _, d := range w.Devices {
		_, secretHash, err := NewSecret()
		if err != nil {
			return nil, err
		}
		var id int
		if err := tx.QueryRow(ctx, `INSERT INTO device (unit_id, ident, name, secret_hash) VALUES ($1, $2, $3, $4) RETURNING id`,
			unitID, d.Ident, d.Name, secretHash).Scan(&id); err != nil {
			return nil, classify(fmt.Errorf("ward device %s: %w", d.Ident, err))
		}
		if uid, ok := userIDs[d.Username]; ok {
			if _, err := tx.Exec(ctx, `INSERT INTO device_assignment (device_id, user_id) VALUES ($1, $2)`, id, uid); err != nil {
				return nil, classify(fmt.Errorf("ward assignment %s: %w", d.Ident, err))
			}
		}
		devices[d.Ident] = id
	}
	return devices, nil
}

// copyWardFixes streams the fixes device by device, flags them as ingest would, and COPYs them
// into fix.
func copyWardFixes(ctx context.Context, tx pgx.Tx, each func(func(patrol.StoredFix) error) error, unitID int, devices map[string]int) (int, error) {
	if each == nil {
		return 0, nil
	}
	total := 0
	var batch []patrol.StoredFix
	flush := func() error {
		n, err := copyWardBatch(ctx, tx, batch, unitID, devices)
		total += n
		batch = batch[:0]
		return err
	}
	err := each(func(f patrol.StoredFix) error {
		if len(batch) > 0 && batch[0].DeviceIdent != f.DeviceIdent {
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

// copyWardBatch flags and copies the fixes of one device.
func copyWardBatch(ctx context.Context, tx pgx.Tx, batch []patrol.StoredFix, unitID int, devices map[string]int) (int, error) {
	if len(batch) == 0 {
		return 0, nil
	}
	sort.SliceStable(batch, func(i, j int) bool { return batch[i].Time.Before(batch[j].Time) })
	track := make([]patrol.Fix, len(batch))
	for i, f := range batch {
		track[i] = patrol.Fix{Time: f.Time, Lat: f.Lat, Lon: f.Lon, Accuracy: f.Accuracy, Speed: f.Speed}
	}
	geo.FlagTrack(track)
	rows := make([][]any, 0, len(batch))
	for i, f := range batch {
		dev, ok := devices[f.DeviceIdent]
		if !ok {
			return 0, fmt.Errorf("ward fix of unknown device %s", f.DeviceIdent)
		}
		if i > 0 && batch[i-1].Time.Equal(f.Time) {
			continue
		}
		g, err := ewkb.Marshal(orb.Point{f.Lon, f.Lat}, 4326)
		if err != nil {
			return 0, fmt.Errorf("encode ward fix: %w", err)
		}
		rows = append(rows, []any{int32(unitID), int32(dev), f.Time, g, float32(f.Accuracy), float32(f.Speed), float32(f.Heading),
			float32(f.Altitude), float32(f.Battery), f.Source, int16(track[i].Flags), f.ReceivedAt})
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"fix"},
		[]string{"unit_id", "device_id", "ts", "geom", "accuracy", "speed", "heading", "altitude", "battery", "source", "flags", "received_at"},
		pgx.CopyFromRows(rows))
	if err != nil {
		return 0, classify(fmt.Errorf("copy ward fixes: %w", err))
	}
	return int(n), nil
}

// WardPlay returns the seed of the loaded ward of unit code and the moment through which its
// fixes and incidents are stored (zero when the ward is not played). patrol.ErrNotFound when no
// ward of that code was loaded by LoadWard: a unit made any other way is never played.
func (s *Store) WardPlay(ctx context.Context, code string) (seed int64, through time.Time, err error) {
	var t *time.Time
	err = s.pool.QueryRow(ctx, `SELECT seed, played_until FROM demo_seed WHERE unit_code = $1`, code).Scan(&seed, &t)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, time.Time{}, fmt.Errorf("ward %s: %w", code, patrol.ErrNotFound)
	}
	if err != nil {
		return 0, time.Time{}, classify(fmt.Errorf("read ward play %s: %w", code, err))
	}
	if t != nil {
		through = t.UTC()
	}
	return seed, through, nil
}

// AdvanceWardPlay records that the loaded ward of unit code is stored through the moment
// through. It only moves forward: a second player that lags behind never moves it back, and a
// ward that is not played (or not loaded) is left alone.
func (s *Store) AdvanceWardPlay(ctx context.Context, code string, through time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE demo_seed SET played_until = $2
		WHERE unit_code = $1 AND played_until < $2`, code, through); err != nil {
		return classify(fmt.Errorf("advance ward play %s: %w", code, err))
	}
	return nil
}
