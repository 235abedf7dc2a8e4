package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/patrolmap/patrolmap/patrol"
)

const routeColumns = `id, unit_id, coalesce(to_char(night, 'YYYY-MM-DD'), ''), name, kind, ST_AsGeoJSON(geom, 7)::text,
	length_m, properties::text, coalesce(created_by, 0), created_by_name, created_at`

func scanRoute(row pgx.Row) (patrol.Route, error) {
	var r patrol.Route
	var geom, props string
	err := row.Scan(&r.ID, &r.UnitID, &r.Night, &r.Name, &r.Kind, &geom, &r.LengthM, &props, &r.CreatedBy, &r.CreatedByName, &r.CreatedAt)
	r.Geometry = json.RawMessage(geom)
	r.Properties = json.RawMessage(props)
	r.CreatedAt = r.CreatedAt.UTC()
	return r, err
}

// CreateRoute stores a route; its length is computed here. Properties must be a JSON object or
// empty.
func (s *Store) CreateRoute(ctx context.Context, r patrol.Route) (patrol.Route, error) {
	if err := s.checkRouteGeometry(ctx, r.Geometry); err != nil {
		return patrol.Route{}, err
	}
	props := string(r.Properties)
	if props == "" || props == "null" {
		props = "{}"
	}
	var night *string
	if r.Night != "" {
		night = &r.Night
	}
	var createdBy *int64
	if r.CreatedBy > 0 {
		createdBy = &r.CreatedBy
	}
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO route (unit_id, night, name, kind, geom, length_m, properties, created_by, created_by_name)
		SELECT $1, $2::date, $3, $4, g, ST_Length(g::geography), $6::jsonb, $7, $8
		FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON($5::text), 4326) AS g) q
		RETURNING id`,
		r.UnitID, night, r.Name, r.Kind, string(r.Geometry), props, createdBy, r.CreatedByName).Scan(&id)
	if err != nil {
		return patrol.Route{}, classify(fmt.Errorf("create route: %w", err))
	}
	return s.RouteByID(ctx, id)
}

// RouteByID returns one route.
func (s *Store) RouteByID(ctx context.Context, id int64) (patrol.Route, error) {
	r, err := scanRoute(s.pool.QueryRow(ctx, `SELECT `+routeColumns+` FROM route WHERE id = $1`, id))
	if err != nil {
		return r, classify(fmt.Errorf("route %d: %w", id, err))
	}
	return r, nil
}

// ListRoutes returns a unit's routes for the nights of [from, to) (local dates, YYYY-MM-DD;
// empty leaves that side open), oldest night first. Routes without a night are listed only when
// both sides are open.
func (s *Store) ListRoutes(ctx context.Context, unitID int, from, to string) ([]patrol.Route, error) {
	var f, t *string
	if from != "" {
		f = &from
	}
	if to != "" {
		t = &to
	}
	rows, err := s.pool.Query(ctx, `SELECT `+routeColumns+` FROM route
		WHERE unit_id = $1 AND ($2::date IS NULL OR night >= $2::date) AND ($3::date IS NULL OR night < $3::date)
		ORDER BY night NULLS FIRST, created_at, id`, unitID, f, t)
	if err != nil {
		return nil, classify(fmt.Errorf("list routes: %w", err))
	}
	defer rows.Close()
	var out []patrol.Route
	for rows.Next() {
		r, err := scanRoute(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("list routes: %w", err))
		}
		out = append(out, r)
	}
	return out, classify(rows.Err())
}

// DeleteRoute removes a route.
func (s *Store) DeleteRoute(ctx context.Context, id int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM route WHERE id = $1`, id)
	if err != nil {
		return classify(fmt.Errorf("delete route %d: %w", id, err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete route %d: %w", id, patrol.ErrNotFound)
	}
	return nil
}

// checkRouteGeometry validates a route geometry: a valid LineString or MultiLineString.
func (s *Store) checkRouteGeometry(ctx context.Context, geojson json.RawMessage) error {
	return s.checkGeometry(ctx, "geometry", geojson, "LineString", "MultiLineString")
}
