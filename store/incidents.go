package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/patrolmap/patrolmap/patrol"
)

// derivedExternalID names an incident that came without an external id by what it is, so that
// sending it again is a duplicate rather than a second incident.
func derivedExternalID(in patrol.Incident) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s|%s|%s|%s", in.Time.UTC().Format(time.RFC3339Nano),
		strconv.FormatFloat(in.Lat, 'f', 7, 64), strconv.FormatFloat(in.Lon, 'f', 7, 64), in.Category)
	return "auto:" + hex.EncodeToString(h.Sum(nil))[:24]
}

// InsertIncidents stores new incidents of one unit; an incident whose (unit, external id) is
// already stored counts as a duplicate and is left unchanged.
func (s *Store) InsertIncidents(ctx context.Context, unitID int, userID int64, list []patrol.Incident) (patrol.IngestResult, []int64, error) {
	var res patrol.IngestResult
	ids := make([]int64, len(list))
	if len(list) == 0 {
		return res, ids, nil
	}
	var createdBy *int64
	if userID != 0 {
		createdBy = &userID
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return res, nil, classify(fmt.Errorf("insert incidents: %w", err))
	}
	defer tx.Rollback(ctx)
	batch := &pgx.Batch{}
	for _, in := range list {
		ext := in.ExternalID
		if ext == "" {
			ext = derivedExternalID(in)
		}
		status := in.Status
		if status == "" {
			status = patrol.StatusOpen
		}
		sev := in.Severity
		if sev == 0 {
			sev = 3
		}
		src := in.Source
		if src == "" {
			src = "api"
		}
		batch.Queue(`INSERT INTO incident (unit_id, external_id, ts, geom, category, severity, status, description, source, created_by)
			VALUES ($1, $2, $3, ST_SetSRID(ST_MakePoint($4, $5), 4326), $6, $7, $8, $9, $10, $11)
			ON CONFLICT (unit_id, external_id) DO NOTHING RETURNING id`,
			unitID, ext, in.Time.UTC(), in.Lon, in.Lat, in.Category, sev, status, in.Description, src, createdBy)
	}
	br := tx.SendBatch(ctx, batch)
	for i := range list {
		var id int64
		err := br.QueryRow().Scan(&id)
		switch {
		case err == pgx.ErrNoRows:
			res.Duplicates++
		case err != nil:
			br.Close()
			return patrol.IngestResult{}, nil, classify(fmt.Errorf("insert incident %d: %w", i, err))
		default:
			res.Accepted++
			ids[i] = id
		}
	}
	if err := br.Close(); err != nil {
		return patrol.IngestResult{}, nil, classify(fmt.Errorf("insert incidents: %w", err))
	}
	if err := tx.Commit(ctx); err != nil {
		return patrol.IngestResult{}, nil, classify(fmt.Errorf("commit incidents: %w", err))
	}
	return res, ids, nil
}

const incidentColumns = `id, unit_id, coalesce(external_id, ''), ts, ST_Y(geom), ST_X(geom), category, severity, status, description, source`

func scanIncident(row pgx.Row) (patrol.Incident, error) {
	var in patrol.Incident
	var sev int16
	err := row.Scan(&in.ID, &in.UnitID, &in.ExternalID, &in.Time, &in.Lat, &in.Lon, &in.Category, &sev, &in.Status, &in.Description, &in.Source)
	in.Severity = int(sev)
	in.Time = in.Time.UTC()
	return in, err
}

// IncidentByID returns one incident.
func (s *Store) IncidentByID(ctx context.Context, id int64) (patrol.Incident, error) {
	in, err := scanIncident(s.pool.QueryRow(ctx, `SELECT `+incidentColumns+` FROM incident WHERE id = $1`, id))
	if err != nil {
		return in, classify(fmt.Errorf("incident %d: %w", id, err))
	}
	return in, nil
}

// ListIncidents returns a unit's incidents with time in [from, to), void ones included only
// when withVoid is set.
func (s *Store) ListIncidents(ctx context.Context, unitID int, from, to time.Time, withVoid bool) ([]patrol.Incident, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+incidentColumns+` FROM incident
		WHERE unit_id = $1 AND ts >= $2 AND ts < $3 AND ($4 OR status <> 'void') ORDER BY ts, id`, unitID, from, to, withVoid)
	if err != nil {
		return nil, classify(fmt.Errorf("list incidents: %w", err))
	}
	defer rows.Close()
	var out []patrol.Incident
	for rows.Next() {
		in, err := scanIncident(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("list incidents: %w", err))
		}
		out = append(out, in)
	}
	return out, classify(rows.Err())
}

// UpdateIncident replaces an incident's editable fields.
func (s *Store) UpdateIncident(ctx context.Context, in patrol.Incident) (patrol.Incident, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE incident SET ts = $2, geom = ST_SetSRID(ST_MakePoint($3, $4), 4326), category = $5,
		severity = $6, status = $7, description = $8, updated_at = now() WHERE id = $1`,
		in.ID, in.Time.UTC(), in.Lon, in.Lat, in.Category, in.Severity, in.Status, in.Description)
	if err != nil {
		return patrol.Incident{}, classify(fmt.Errorf("update incident %d: %w", in.ID, err))
	}
	if tag.RowsAffected() == 0 {
		return patrol.Incident{}, fmt.Errorf("update incident %d: %w", in.ID, patrol.ErrNotFound)
	}
	return s.IncidentByID(ctx, in.ID)
}

// VoidIncident marks an incident void; it then counts for nothing.
func (s *Store) VoidIncident(ctx context.Context, id int64) error {
	tag, err := s.pool.Exec(ctx, `UPDATE incident SET status = 'void', updated_at = now() WHERE id = $1`, id)
	if err != nil {
		return classify(fmt.Errorf("void incident %d: %w", id, err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("void incident %d: %w", id, patrol.ErrNotFound)
	}
	return nil
}
