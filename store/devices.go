package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/patrolmap/patrolmap/patrol"
)

const deviceColumns = `d.id, d.unit_id, un.code, d.ident, d.name, d.active, d.created_at`

func scanDevice(row pgx.Row) (patrol.Device, error) {
	var d patrol.Device
	err := row.Scan(&d.ID, &d.UnitID, &d.UnitCode, &d.Ident, &d.Name, &d.Active, &d.Created)
	return d, err
}

// CreateDevice registers a device in a unit and returns it with its secret, which is shown once
// and stored only as a hash.
func (s *Store) CreateDevice(ctx context.Context, unitID int, ident, name string) (patrol.Device, string, error) {
	secret, hash, err := NewSecret()
	if err != nil {
		return patrol.Device{}, "", err
	}
	var id int
	err = s.pool.QueryRow(ctx, `INSERT INTO device (unit_id, ident, name, secret_hash) VALUES ($1, $2, $3, $4) RETURNING id`,
		unitID, ident, name, hash).Scan(&id)
	if err != nil {
		return patrol.Device{}, "", classify(fmt.Errorf("create device %s: %w", ident, err))
	}
	d, err := s.DeviceByID(ctx, id)
	return d, secret, err
}

// RotateDeviceSecret gives a device a new secret; the old one stops working at once.
func (s *Store) RotateDeviceSecret(ctx context.Context, id int) (string, error) {
	secret, hash, err := NewSecret()
	if err != nil {
		return "", err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE device SET secret_hash = $2 WHERE id = $1`, id, hash)
	if err != nil {
		return "", classify(fmt.Errorf("rotate device secret: %w", err))
	}
	if tag.RowsAffected() == 0 {
		return "", fmt.Errorf("rotate device %d: %w", id, patrol.ErrNotFound)
	}
	return secret, nil
}

// DeviceByID returns one device.
func (s *Store) DeviceByID(ctx context.Context, id int) (patrol.Device, error) {
	d, err := scanDevice(s.pool.QueryRow(ctx, `SELECT `+deviceColumns+` FROM device d JOIN unit un ON un.id = d.unit_id WHERE d.id = $1`, id))
	if err != nil {
		return d, classify(fmt.Errorf("device %d: %w", id, err))
	}
	return d, nil
}

// DeviceByIdent returns the device with the id its app sends.
func (s *Store) DeviceByIdent(ctx context.Context, ident string) (patrol.Device, error) {
	d, err := scanDevice(s.pool.QueryRow(ctx, `SELECT `+deviceColumns+` FROM device d JOIN unit un ON un.id = d.unit_id WHERE d.ident = $1`, ident))
	if err != nil {
		return d, classify(fmt.Errorf("device %s: %w", ident, err))
	}
	return d, nil
}

// CallerByDeviceSecret returns the active device whose secret this is.
func (s *Store) CallerByDeviceSecret(ctx context.Context, secret string) (patrol.Caller, error) {
	d, err := scanDevice(s.pool.QueryRow(ctx, `SELECT `+deviceColumns+` FROM device d JOIN unit un ON un.id = d.unit_id
		WHERE d.secret_hash = $1 AND d.active`, HashSecret(secret)))
	if err != nil {
		return patrol.Caller{}, classify(fmt.Errorf("device secret: %w", err))
	}
	return patrol.Caller{Kind: patrol.CallerDevice, Device: d}, nil
}

// ListDevices returns the devices of a unit with the time of their latest fix.
func (s *Store) ListDevices(ctx context.Context, unitID int) ([]patrol.Device, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+deviceColumns+`,
		(SELECT max(f.ts) FROM fix f WHERE f.device_id = d.id AND f.ts > now() - interval '62 days')
		FROM device d JOIN unit un ON un.id = d.unit_id WHERE d.unit_id = $1 ORDER BY d.ident`, unitID)
	if err != nil {
		return nil, classify(fmt.Errorf("list devices: %w", err))
	}
	defer rows.Close()
	var out []patrol.Device
	for rows.Next() {
		var d patrol.Device
		var last *time.Time
		if err := rows.Scan(&d.ID, &d.UnitID, &d.UnitCode, &d.Ident, &d.Name, &d.Active, &d.Created, &last); err != nil {
			return nil, classify(fmt.Errorf("list devices: %w", err))
		}
		d.LastSeen = last
		out = append(out, d)
	}
	return out, classify(rows.Err())
}

// AssignDevice records that an officer carries a device from `from` (zero: always) to `to`
// (zero: open-ended).
func (s *Store) AssignDevice(ctx context.Context, deviceID int, userID int64, from, to time.Time) error {
	defer s.duties.ForgetAll() // after commit: StoreFixes reads the new duty
	var f, t any = "-infinity", "infinity"
	if !from.IsZero() {
		f = from
	}
	if !to.IsZero() {
		t = to
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO device_assignment (device_id, user_id, valid_from, valid_to) VALUES ($1, $2, $3::timestamptz, $4::timestamptz)`,
		deviceID, userID, f, t)
	return classify(err)
}

// DeviceAssignedTo reports whether a device is assigned to a user at some time in [from, to).
func (s *Store) DeviceAssignedTo(ctx context.Context, deviceID int, userID int64) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM device_assignment WHERE device_id = $1 AND user_id = $2 AND valid_to > now() - interval '400 days')`,
		deviceID, userID).Scan(&ok)
	return ok, classify(err)
}
