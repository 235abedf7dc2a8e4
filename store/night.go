package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/patrolmap/patrolmap/patrol"
)

const alertColumns = `a.id, a.unit_id, u.code, a.area_id, a.area_name, to_char(a.night, 'YYYY-MM-DD'), a.required, a.min_dwell_min,
	a.visits, a.deadline_at, a.raised_at, a.nearest, coalesce(a.acknowledged_by, 0), coalesce(a.acknowledged_by_name, ''),
	a.acknowledged_at`

func scanAlert(row pgx.Row) (patrol.NightAlert, error) {
	var a patrol.NightAlert
	var req, dwell, visits int16
	var nearest []byte
	var ackAt *time.Time
	err := row.Scan(&a.ID, &a.UnitID, &a.UnitCode, &a.AreaID, &a.AreaName, &a.Night, &req, &dwell, &visits,
		&a.DeadlineAt, &a.RaisedAt, &nearest, &a.AckByID, &a.AckByName, &ackAt)
	if err != nil {
		return a, err
	}
	a.Required, a.MinDwellMin, a.Visits = int(req), int(dwell), int(visits)
	a.DeadlineAt, a.RaisedAt = a.DeadlineAt.UTC(), a.RaisedAt.UTC()
	if ackAt != nil {
		a.AckAt = ackAt.UTC()
	}
	if len(nearest) > 0 && string(nearest) != "null" {
		var n patrol.NearestOfficer
		if err := json.Unmarshal(nearest, &n); err != nil {
			return a, fmt.Errorf("alert %d nearest officer: %w", a.ID, err)
		}
		a.Nearest = &n
	}
	return a, nil
}

// RaiseAlert stores a deadline alert unless one exists for the area and night already; it
// returns the stored alert and whether this call raised it.
func (s *Store) RaiseAlert(ctx context.Context, a patrol.NightAlert) (patrol.NightAlert, bool, error) {
	var nearest []byte
	if a.Nearest != nil {
		var err error
		if nearest, err = json.Marshal(a.Nearest); err != nil {
			return a, false, err
		}
	}
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO night_alert (unit_id, area_id, night, area_name, required, min_dwell_min, visits,
			deadline_at, raised_at, nearest)
		VALUES ($1, $2, $3::date, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (area_id, night) DO NOTHING RETURNING id`,
		a.UnitID, a.AreaID, a.Night, a.AreaName, a.Required, a.MinDwellMin, a.Visits, a.DeadlineAt, a.RaisedAt, nearest).Scan(&id)
	raised := true
	if errors.Is(err, pgx.ErrNoRows) {
		raised = false
		err = s.pool.QueryRow(ctx, `SELECT id FROM night_alert WHERE area_id = $1 AND night = $2::date`, a.AreaID, a.Night).Scan(&id)
	}
	if err != nil {
		return a, false, classify(fmt.Errorf("raise alert for area %d: %w", a.AreaID, err))
	}
	got, err := s.AlertByID(ctx, id)
	return got, raised, err
}

// AlertByID returns one alert.
func (s *Store) AlertByID(ctx context.Context, id int64) (patrol.NightAlert, error) {
	a, err := scanAlert(s.pool.QueryRow(ctx, `SELECT `+alertColumns+` FROM night_alert a JOIN unit u ON u.id = a.unit_id WHERE a.id = $1`, id))
	if err != nil {
		return a, classify(fmt.Errorf("alert %d: %w", id, err))
	}
	return a, nil
}

// ListAlerts returns a unit's alerts whose deadline lies in [from, to], oldest deadline first.
func (s *Store) ListAlerts(ctx context.Context, unitID int, from, to time.Time) ([]patrol.NightAlert, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+alertColumns+` FROM night_alert a JOIN unit u ON u.id = a.unit_id
		WHERE a.unit_id = $1 AND a.deadline_at >= $2 AND a.deadline_at <= $3 ORDER BY a.deadline_at, a.area_name, a.id`, unitID, from, to)
	if err != nil {
		return nil, classify(fmt.Errorf("list alerts: %w", err))
	}
	defer rows.Close()
	var out []patrol.NightAlert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("list alerts: %w", err))
		}
		out = append(out, a)
	}
	return out, classify(rows.Err())
}

// AckAlert records who acknowledged an alert and when; an alert already acknowledged keeps its
// first acknowledgement, which is returned with patrol.ErrConflict.
func (s *Store) AckAlert(ctx context.Context, id, userID int64, name string, at time.Time) (patrol.NightAlert, error) {
	var by *int64
	if userID > 0 {
		by = &userID
	}
	tag, err := s.pool.Exec(ctx, `UPDATE night_alert SET acknowledged_by = $2, acknowledged_by_name = $3, acknowledged_at = $4
		WHERE id = $1 AND acknowledged_at IS NULL`, id, by, name, at)
	if err != nil {
		return patrol.NightAlert{}, classify(fmt.Errorf("acknowledge alert %d: %w", id, err))
	}
	a, err := s.AlertByID(ctx, id)
	if err != nil {
		return a, err
	}
	if tag.RowsAffected() == 0 {
		return a, fmt.Errorf("alert %d was acknowledged already: %w", id, patrol.ErrConflict)
	}
	return a, nil
}

// SaveHandover archives a unit's handover of a night unless one exists; it returns the stored
// handover and whether this call archived it.
func (s *Store) SaveHandover(ctx context.Context, h patrol.NightHandover) (patrol.NightHandover, bool, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO night_handover (unit_id, night, created_at, content) VALUES ($1, $2::date, $3, $4)
		ON CONFLICT (unit_id, night) DO NOTHING RETURNING id`, h.UnitID, h.Night, h.CreatedAt, []byte(h.Content)).Scan(&id)
	archived := true
	if errors.Is(err, pgx.ErrNoRows) {
		archived = false
		err = s.pool.QueryRow(ctx, `SELECT id FROM night_handover WHERE unit_id = $1 AND night = $2::date`, h.UnitID, h.Night).Scan(&id)
	}
	if err != nil {
		return h, false, classify(fmt.Errorf("archive handover of %s: %w", h.Night, err))
	}
	got, err := s.HandoverByID(ctx, id)
	return got, archived, err
}

const handoverColumns = `h.id, h.unit_id, u.code, to_char(h.night, 'YYYY-MM-DD'), h.created_at`

func scanHandover(row pgx.Row, withContent bool) (patrol.NightHandover, error) {
	var h patrol.NightHandover
	dest := []any{&h.ID, &h.UnitID, &h.UnitCode, &h.Night, &h.CreatedAt}
	var content []byte
	if withContent {
		dest = append(dest, &content)
	}
	err := row.Scan(dest...)
	h.CreatedAt = h.CreatedAt.UTC()
	if content != nil {
		h.Content = json.RawMessage(content)
	}
	return h, err
}

// HandoverByID returns one archived handover with its content.
func (s *Store) HandoverByID(ctx context.Context, id int64) (patrol.NightHandover, error) {
	h, err := scanHandover(s.pool.QueryRow(ctx, `SELECT `+handoverColumns+`, h.content::text FROM night_handover h
		JOIN unit u ON u.id = h.unit_id WHERE h.id = $1`, id), true)
	if err != nil {
		return h, classify(fmt.Errorf("handover %d: %w", id, err))
	}
	return h, nil
}

// ListHandovers returns a unit's archived handovers, newest night first, without content.
func (s *Store) ListHandovers(ctx context.Context, unitID int) ([]patrol.NightHandover, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+handoverColumns+` FROM night_handover h JOIN unit u ON u.id = h.unit_id
		WHERE h.unit_id = $1 ORDER BY h.night DESC, h.id DESC`, unitID)
	if err != nil {
		return nil, classify(fmt.Errorf("list handovers: %w", err))
	}
	defer rows.Close()
	var out []patrol.NightHandover
	for rows.Next() {
		h, err := scanHandover(rows, false)
		if err != nil {
			return nil, classify(fmt.Errorf("list handovers: %w", err))
		}
		out = append(out, h)
	}
	return out, classify(rows.Err())
}
