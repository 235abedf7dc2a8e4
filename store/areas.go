package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// GeometryError says why a geometry was refused.
type GeometryError struct {
	Field  string
	Reason string
}

func (e *GeometryError) Error() string { return e.Field + ": " + e.Reason }

// GeometryField returns the field and the reason, for the HTTP layer.
func (e *GeometryError) GeometryField() (string, string) { return e.Field, e.Reason }

// checkGeometry validates a GeoJSON geometry before it is stored: geo.CheckGeometry (the one
// check of every write path: type, finite coordinates in range, rings, size), then PostGIS's
// ST_IsValid for the topology; the error names field and says why. types are GeoJSON type
// names ("Polygon").
func (s *Store) checkGeometry(ctx context.Context, field string, geojson json.RawMessage, types ...string) error {
	if _, err := geo.ParseGeometry(field, geojson, types...); err != nil {
		var fe *geo.FieldError
		if errors.As(err, &fe) {
			return &GeometryError{Field: fe.Field, Reason: fe.Reason}
		}
		return err
	}
	var reason string
	var valid bool
	err := s.pool.QueryRow(ctx, `SELECT ST_IsValid(g), ST_IsValidReason(g) FROM (SELECT ST_GeomFromGeoJSON($1::text) AS g) q`,
		string(geojson)).Scan(&valid, &reason)
	if err != nil {
		if errors.Is(classify(err), patrol.ErrUnavailable) {
			return classify(err)
		}
		return &GeometryError{Field: field, Reason: "not a GeoJSON geometry"}
	}
	if !valid {
		return &GeometryError{Field: field, Reason: "invalid geometry: " + reason}
	}
	return nil
}

// checkAreaGeometry validates an area geometry: a polygon, multipolygon, line or multiline.
func (s *Store) checkAreaGeometry(ctx context.Context, geojson json.RawMessage) error {
	return s.checkGeometry(ctx, "geometry", geojson, "Polygon", "MultiPolygon", "LineString", "MultiLineString")
}

const areaColumns = `id, unit_id, kind, name, ST_AsGeoJSON(geom, 7)::text, buffer_m, required_night_visits, min_dwell_min,
	coalesce(to_char(deadline, 'HH24:MI'), '')`

func scanArea(row pgx.Row) (patrol.Area, error) {
	var a patrol.Area
	var geom string
	var buf float32
	var req, dwell int16
	err := row.Scan(&a.ID, &a.UnitID, &a.Kind, &a.Name, &geom, &buf, &req, &dwell, &a.Deadline)
	a.Geometry = json.RawMessage(geom)
	a.BufferM = float64(buf)
	a.RequiredNightVisits = int(req)
	a.MinDwellMin = int(dwell)
	return a, err
}

// CreateArea stores an area.
func (s *Store) CreateArea(ctx context.Context, a patrol.Area) (patrol.Area, error) {
	if err := s.checkAreaGeometry(ctx, a.Geometry); err != nil {
		return patrol.Area{}, err
	}
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO area (unit_id, kind, name, geom, buffer_m, required_night_visits, min_dwell_min, deadline)
		VALUES ($1, $2, $3, ST_SetSRID(ST_GeomFromGeoJSON($4::text), 4326), $5, $6, $7, nullif($8, '')::time) RETURNING id`,
		a.UnitID, a.Kind, a.Name, string(a.Geometry), a.BufferM, a.RequiredNightVisits, a.MinDwellMin, a.Deadline).Scan(&id)
	if err != nil {
		return patrol.Area{}, classify(fmt.Errorf("create area: %w", err))
	}
	return s.AreaByID(ctx, id)
}

// UpdateArea replaces an area's fields and geometry.
func (s *Store) UpdateArea(ctx context.Context, a patrol.Area) (patrol.Area, error) {
	if err := s.checkAreaGeometry(ctx, a.Geometry); err != nil {
		return patrol.Area{}, err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE area SET kind = $2, name = $3, geom = ST_SetSRID(ST_GeomFromGeoJSON($4::text), 4326),
		buffer_m = $5, required_night_visits = $6, min_dwell_min = $7, deadline = nullif($8, '')::time, updated_at = now() WHERE id = $1`,
		a.ID, a.Kind, a.Name, string(a.Geometry), a.BufferM, a.RequiredNightVisits, a.MinDwellMin, a.Deadline)
	if err != nil {
		return patrol.Area{}, classify(fmt.Errorf("update area %d: %w", a.ID, err))
	}
	if tag.RowsAffected() == 0 {
		return patrol.Area{}, fmt.Errorf("update area %d: %w", a.ID, patrol.ErrNotFound)
	}
	return s.AreaByID(ctx, a.ID)
}

// DeleteArea removes an area.
func (s *Store) DeleteArea(ctx context.Context, id int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM area WHERE id = $1`, id)
	if err != nil {
		return classify(fmt.Errorf("delete area %d: %w", id, err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete area %d: %w", id, patrol.ErrNotFound)
	}
	return nil
}

// AreaByID returns one area.
func (s *Store) AreaByID(ctx context.Context, id int64) (patrol.Area, error) {
	a, err := scanArea(s.pool.QueryRow(ctx, `SELECT `+areaColumns+` FROM area WHERE id = $1`, id))
	if err != nil {
		return a, classify(fmt.Errorf("area %d: %w", id, err))
	}
	return a, nil
}

// ListAreas returns a unit's areas, of one kind when kind is not empty.
func (s *Store) ListAreas(ctx context.Context, unitID int, kind string) ([]patrol.Area, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+areaColumns+` FROM area WHERE unit_id = $1 AND ($2 = '' OR kind = $2) ORDER BY kind, name, id`, unitID, kind)
	if err != nil {
		return nil, classify(fmt.Errorf("list areas: %w", err))
	}
	defer rows.Close()
	var out []patrol.Area
	for rows.Next() {
		a, err := scanArea(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("list areas: %w", err))
		}
		out = append(out, a)
	}
	return out, classify(rows.Err())
}

// ListRoads returns a unit's road network.
func (s *Store) ListRoads(ctx context.Context, unitID int) ([]patrol.Road, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, unit_id, name, ST_AsGeoJSON(geom, 7)::text FROM road WHERE unit_id = $1 ORDER BY id`, unitID)
	if err != nil {
		return nil, classify(fmt.Errorf("list roads: %w", err))
	}
	defer rows.Close()
	var out []patrol.Road
	for rows.Next() {
		var r patrol.Road
		var g string
		if err := rows.Scan(&r.ID, &r.UnitID, &r.Name, &g); err != nil {
			return nil, classify(fmt.Errorf("list roads: %w", err))
		}
		r.Geometry = json.RawMessage(g)
		out = append(out, r)
	}
	return out, classify(rows.Err())
}
