package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/patrolmap/patrolmap/patrol"
)

const unitColumns = `id, code, name, timezone, ST_AsGeoJSON(boundary, 7)::text, to_char(night_start, 'HH24:MI'), to_char(night_end, 'HH24:MI'), h3_res,
	store_off_duty, (extract(epoch FROM off_duty_retention) / 86400)::int, coalesce(to_char(night_deadline, 'HH24:MI'), '')`

func scanUnit(row pgx.Row) (patrol.Unit, error) {
	var u patrol.Unit
	var boundary *string
	err := row.Scan(&u.ID, &u.Code, &u.Name, &u.TimeZone, &boundary, &u.NightStart, &u.NightEnd, &u.H3Res, &u.StoreOffDuty, &u.OffDutyRetentionDays, &u.NightDeadline)
	if boundary != nil {
		u.Boundary = json.RawMessage(*boundary)
	}
	return u, err
}

// UnitByCode returns the unit with a code.
func (s *Store) UnitByCode(ctx context.Context, code string) (patrol.Unit, error) {
	u, err := scanUnit(s.pool.QueryRow(ctx, `SELECT `+unitColumns+` FROM unit WHERE code = $1`, code))
	if err != nil {
		return u, classify(fmt.Errorf("unit %s: %w", code, err))
	}
	return u, nil
}

// UnitByID returns the unit with an id.
func (s *Store) UnitByID(ctx context.Context, id int) (patrol.Unit, error) {
	u, err := scanUnit(s.pool.QueryRow(ctx, `SELECT `+unitColumns+` FROM unit WHERE id = $1`, id))
	if err != nil {
		return u, classify(fmt.Errorf("unit %d: %w", id, err))
	}
	return u, nil
}

// ListUnits returns one unit (unitID > 0) or all, ordered by code.
func (s *Store) ListUnits(ctx context.Context, unitID int) ([]patrol.Unit, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+unitColumns+` FROM unit WHERE $1 = 0 OR id = $1 ORDER BY code`, unitID)
	if err != nil {
		return nil, classify(fmt.Errorf("list units: %w", err))
	}
	defer rows.Close()
	var out []patrol.Unit
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("list units: %w", err))
		}
		out = append(out, u)
	}
	return out, classify(rows.Err())
}

// CreateUnit stores a new unit.
func (s *Store) CreateUnit(ctx context.Context, u patrol.Unit) (patrol.Unit, error) {
	boundary, err := s.boundaryText(ctx, u.Boundary)
	if err != nil {
		return patrol.Unit{}, err
	}
	var id int
	err = s.pool.QueryRow(ctx, `INSERT INTO unit (code, name, timezone, boundary, night_start, night_end, h3_res,
			store_off_duty, off_duty_retention, night_deadline)
		VALUES ($1, $2, $3, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($4::text), 4326)), $5::time, $6::time, $7,
			$8, make_interval(days => $9), nullif($10, '')::time)
		RETURNING id`,
		u.Code, u.Name, u.TimeZone, boundary, u.NightStart, u.NightEnd, u.H3Res, u.StoreOffDuty, retentionDays(u), u.NightDeadline).Scan(&id)
	if err != nil {
		return patrol.Unit{}, classify(fmt.Errorf("create unit %s: %w", u.Code, err))
	}
	return s.UnitByID(ctx, id)
}

// retentionDays is the unit's off-duty retention in days, 7 when not set.
func retentionDays(u patrol.Unit) int {
	if u.OffDutyRetentionDays <= 0 {
		return 7
	}
	return u.OffDutyRetentionDays
}

// UpdateUnit replaces a unit's name, zone, boundary (when given), night window, resolution and
// off-duty settings.
func (s *Store) UpdateUnit(ctx context.Context, u patrol.Unit) (patrol.Unit, error) {
	defer s.duties.ForgetAll() // after commit: StoreFixes reads the new duty
	boundary, err := s.boundaryText(ctx, u.Boundary)
	if err != nil {
		return patrol.Unit{}, err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE unit SET name = $2, timezone = $3,
		boundary = coalesce(ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($4::text), 4326)), boundary),
		night_start = $5::time, night_end = $6::time, h3_res = $7,
		store_off_duty = $8, off_duty_retention = make_interval(days => $9),
		night_deadline = nullif($10, '')::time, updated_at = now() WHERE id = $1`,
		u.ID, u.Name, u.TimeZone, boundary, u.NightStart, u.NightEnd, u.H3Res, u.StoreOffDuty, retentionDays(u), u.NightDeadline)
	if err != nil {
		return patrol.Unit{}, classify(fmt.Errorf("update unit %s: %w", u.Code, err))
	}
	if tag.RowsAffected() == 0 {
		return patrol.Unit{}, fmt.Errorf("update unit %s: %w", u.Code, patrol.ErrNotFound)
	}
	return s.UnitByID(ctx, u.ID)
}

// boundaryText validates a GeoJSON Polygon or MultiPolygon boundary and returns it as the text
// the unit's SQL reads; nil when none is given.
func (s *Store) boundaryText(ctx context.Context, geojson json.RawMessage) (*string, error) {
	if geojson == nil {
		return nil, nil
	}
	if err := s.checkGeometry(ctx, "boundary", geojson, "Polygon", "MultiPolygon"); err != nil {
		return nil, err
	}
	text := string(geojson)
	return &text, nil
}
