package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/patrolmap/patrolmap/patrol"
)

// Audit appends one entry to the audit log.
func (s *Store) Audit(ctx context.Context, e patrol.AuditEntry) error {
	detail := e.Detail
	if len(detail) == 0 {
		detail = json.RawMessage(`{}`)
	}
	var userID *int64
	if e.UserID != 0 {
		userID = &e.UserID
	}
	var unitID *int
	if e.UnitID != 0 {
		unitID = &e.UnitID
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO audit (user_id, username, unit_id, action, target, detail, addr) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		userID, e.Username, unitID, e.Action, e.Target, string(detail), e.Addr)
	if err != nil {
		return classify(fmt.Errorf("write audit: %w", err))
	}
	return nil
}

// ListAudit returns the latest audit entries, newest first.
func (s *Store) ListAudit(ctx context.Context, limit int) ([]patrol.AuditEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, at, coalesce(user_id, 0), username, coalesce(unit_id, 0), action, target, detail::text, addr
		FROM audit ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, classify(fmt.Errorf("list audit: %w", err))
	}
	defer rows.Close()
	var out []patrol.AuditEntry
	for rows.Next() {
		var e patrol.AuditEntry
		var detail string
		if err := rows.Scan(&e.ID, &e.At, &e.UserID, &e.Username, &e.UnitID, &e.Action, &e.Target, &detail, &e.Addr); err != nil {
			return nil, classify(fmt.Errorf("list audit: %w", err))
		}
		e.Detail = json.RawMessage(detail)
		out = append(out, e)
	}
	return out, classify(rows.Err())
}

// Reject writes one entry to the rejection log.
func (s *Store) Reject(ctx context.Context, r patrol.Rejection) error {
	var unitID *int
	if r.UnitID != 0 {
		unitID = &r.UnitID
	}
	raw := r.Raw
	if len(raw) > 4096 {
		raw = raw[:4096]
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO fix_rejection (unit_id, device_ident, source, reason, raw, addr) VALUES ($1, $2, $3, $4, $5, $6)`,
		unitID, r.DeviceIdent, r.Source, r.Reason, raw, r.Addr)
	if err != nil {
		return classify(fmt.Errorf("write rejection: %w", err))
	}
	return nil
}

// ListRejections returns the latest rejection log entries, newest first.
func (s *Store) ListRejections(ctx context.Context, limit int) ([]patrol.Rejection, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, received_at, coalesce(unit_id, 0), device_ident, source, reason, raw, addr
		FROM fix_rejection ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, classify(fmt.Errorf("list rejections: %w", err))
	}
	defer rows.Close()
	var out []patrol.Rejection
	for rows.Next() {
		var r patrol.Rejection
		if err := rows.Scan(&r.ID, &r.ReceivedAt, &r.UnitID, &r.DeviceIdent, &r.Source, &r.Reason, &r.Raw, &r.Addr); err != nil {
			return nil, classify(fmt.Errorf("list rejections: %w", err))
		}
		out = append(out, r)
	}
	return out, classify(rows.Err())
}
