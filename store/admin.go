package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/patrolmap/patrolmap/patrol"
)

// ErrLastAdmin is returned when a change would leave no enabled admin of all units.
var ErrLastAdmin = errors.New("the last enabled admin of all units cannot be disabled, demoted or narrowed")

const accountColumns = userColumns + `, u.created_at, u.last_login,
	(SELECT count(*) FROM api_token t WHERE t.user_id = u.id AND t.revoked_at IS NULL),
	(SELECT count(*) FROM session s WHERE s.user_id = u.id AND s.expires_at > now())`

func scanAccount(row pgx.Row) (patrol.Account, error) {
	var a patrol.Account
	var role string
	err := row.Scan(&a.ID, &a.Username, &a.FullName, &role, &a.UnitID, &a.UnitCode, &a.Disabled,
		&a.Created, &a.LastLogin, &a.ActiveTokens, &a.Sessions)
	a.Role = patrol.Role(role)
	return a, err
}

// ListAccounts returns the users of a unit (unitID > 0) or of every unit, with their last
// login and how many tokens and sessions they hold.
func (s *Store) ListAccounts(ctx context.Context, unitID int) ([]patrol.Account, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+accountColumns+` FROM app_user u LEFT JOIN unit un ON un.id = u.unit_id
		WHERE $1 = 0 OR u.unit_id = $1 ORDER BY u.username`, unitID)
	if err != nil {
		return nil, classify(fmt.Errorf("list accounts: %w", err))
	}
	defer rows.Close()
	var out []patrol.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("list accounts: %w", err))
		}
		out = append(out, a)
	}
	return out, classify(rows.Err())
}

// AccountByUsername returns one user with their last login and counts.
func (s *Store) AccountByUsername(ctx context.Context, username string) (patrol.Account, error) {
	a, err := scanAccount(s.pool.QueryRow(ctx, `SELECT `+accountColumns+` FROM app_user u LEFT JOIN unit un ON un.id = u.unit_id
		WHERE u.username = $1`, username))
	if err != nil {
		return a, classify(fmt.Errorf("account %s: %w", username, err))
	}
	return a, nil
}

// UpdateAccount changes a user's name, role, scope or disabled flag in one transaction.
// Disabling ends the user's sessions and revokes their tokens (re-enabling does not revive them). A
// change that would leave no enabled admin of all units fails with ErrLastAdmin (wrapping
// patrol.ErrConflict); an unknown unit code with patrol.ErrNotFound.
func (s *Store) UpdateAccount(ctx context.Context, userID int64, ch patrol.AccountChange) (patrol.User, error) {
	defer s.callers.ForgetAll() // after commit: a cached caller never keeps an old role or scope
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return patrol.User{}, classify(fmt.Errorf("update user: %w", err))
	}
	defer tx.Rollback(ctx)
	// Changes that may remove an admin are serialised, so two of them cannot each leave the
	// other as the last one.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(727275)`); err != nil {
		return patrol.User{}, classify(fmt.Errorf("update user: %w", err))
	}
	const countAdmins = `SELECT count(*) FROM app_user WHERE role = 'admin' AND unit_id IS NULL AND NOT disabled`
	var adminsBefore int
	if err := tx.QueryRow(ctx, countAdmins).Scan(&adminsBefore); err != nil {
		return patrol.User{}, classify(fmt.Errorf("count admins: %w", err))
	}
	var unitID *int
	setUnit := ch.UnitCode != nil
	if setUnit && *ch.UnitCode != "" {
		var id int
		if err := tx.QueryRow(ctx, `SELECT id FROM unit WHERE code = $1`, *ch.UnitCode).Scan(&id); err != nil {
			return patrol.User{}, classify(fmt.Errorf("update user: unit %s: %w", *ch.UnitCode, err))
		}
		unitID = &id
	}
	var role *string
	if ch.Role != nil {
		r := string(*ch.Role)
		role = &r
	}
	tag, err := tx.Exec(ctx, `UPDATE app_user SET
		full_name = coalesce($2, full_name),
		role = coalesce($3, role),
		unit_id = CASE WHEN $4 THEN $5 ELSE unit_id END,
		disabled = coalesce($6, disabled),
		updated_at = now()
		WHERE id = $1`, userID, ch.FullName, role, setUnit, unitID, ch.Disabled)
	if err != nil {
		return patrol.User{}, classify(fmt.Errorf("update user %d: %w", userID, err))
	}
	if tag.RowsAffected() == 0 {
		return patrol.User{}, fmt.Errorf("update user %d: %w", userID, patrol.ErrNotFound)
	}
	var adminsAfter int
	if err := tx.QueryRow(ctx, countAdmins).Scan(&adminsAfter); err != nil {
		return patrol.User{}, classify(fmt.Errorf("count admins: %w", err))
	}
	if adminsBefore > 0 && adminsAfter == 0 {
		return patrol.User{}, fmt.Errorf("%w: %w", ErrLastAdmin, patrol.ErrConflict)
	}
	if ch.Disabled != nil && *ch.Disabled {
		if _, err := tx.Exec(ctx, `DELETE FROM session WHERE user_id = $1`, userID); err != nil {
			return patrol.User{}, classify(fmt.Errorf("end sessions: %w", err))
		}
		if err := revokeUserTokens(ctx, tx, userID); err != nil {
			return patrol.User{}, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return patrol.User{}, classify(fmt.Errorf("update user %d: %w", userID, err))
	}
	return s.UserByID(ctx, userID)
}

// EndSessions ends every web session of a user.
func (s *Store) EndSessions(ctx context.Context, userID int64) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM session WHERE user_id = $1`, userID)
	return classify(err)
}

const tokenColumns = `t.id, t.user_id, u.username, coalesce(u.unit_id, 0), t.label, t.created_at, t.last_used, t.revoked_at`

func scanToken(row pgx.Row) (patrol.Token, error) {
	var t patrol.Token
	err := row.Scan(&t.ID, &t.UserID, &t.Username, &t.UnitID, &t.Label, &t.Created, &t.LastUsed, &t.Revoked)
	return t, err
}

// ListTokens returns bearer tokens, newest first: of one user (userID > 0), else of the users
// of a unit (unitID > 0), else all. Revoked tokens are included when withRevoked.
func (s *Store) ListTokens(ctx context.Context, unitID int, userID int64, withRevoked bool) ([]patrol.Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tokenColumns+` FROM api_token t JOIN app_user u ON u.id = t.user_id
		WHERE ($1 = 0 OR u.unit_id = $1) AND ($2 = 0 OR t.user_id = $2) AND ($3 OR t.revoked_at IS NULL)
		ORDER BY t.id DESC`, unitID, userID, withRevoked)
	if err != nil {
		return nil, classify(fmt.Errorf("list tokens: %w", err))
	}
	defer rows.Close()
	var out []patrol.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("list tokens: %w", err))
		}
		out = append(out, t)
	}
	return out, classify(rows.Err())
}

// TokenByID returns one token (never its value).
func (s *Store) TokenByID(ctx context.Context, id int64) (patrol.Token, error) {
	t, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_token t JOIN app_user u ON u.id = t.user_id WHERE t.id = $1`, id))
	if err != nil {
		return t, classify(fmt.Errorf("token %d: %w", id, err))
	}
	return t, nil
}

// TouchToken records that a token was used now, at most once a minute per token so that a busy
// client does not write on every request.
func (s *Store) TouchToken(ctx context.Context, id int64) error {
	_, err := s.pool.Exec(ctx, `UPDATE api_token SET last_used = now()
		WHERE id = $1 AND (last_used IS NULL OR last_used < now() - interval '1 minute')`, id)
	return classify(err)
}

// deviceStatusQuery reads devices with their latest fix, latest battery, today's fixes (in the
// unit's local date) and current officer as of the instant $1: the caller's clock, not the
// database's, so a server on a test clock counts its own today. The fix lookups walk the
// (device_id, ts) primary key backwards over the last 62 days of partitions.
const deviceStatusQuery = `SELECT d.id, d.unit_id, un.code, d.ident, d.name, d.active, d.created_at, d.deactivated_at,
	last.ts, batt.battery,
	(SELECT count(*) FROM fix f WHERE f.device_id = d.id
		AND f.ts >= (date_trunc('day', $1::timestamptz AT TIME ZONE un.timezone) AT TIME ZONE un.timezone)
		AND f.ts < ((date_trunc('day', $1::timestamptz AT TIME ZONE un.timezone) + interval '1 day') AT TIME ZONE un.timezone)),
	coalesce(cur.username, ''), coalesce(cur.full_name, '')
	FROM device d JOIN unit un ON un.id = d.unit_id
	LEFT JOIN LATERAL (SELECT f.ts FROM fix f WHERE f.device_id = d.id AND f.ts > $1::timestamptz - interval '62 days'
		ORDER BY f.ts DESC LIMIT 1) last ON true
	LEFT JOIN LATERAL (SELECT f.battery FROM fix f WHERE f.device_id = d.id AND f.ts > $1::timestamptz - interval '62 days'
		AND f.battery IS NOT NULL ORDER BY f.ts DESC LIMIT 1) batt ON true
	LEFT JOIN LATERAL (SELECT u.username, u.full_name FROM device_assignment a JOIN app_user u ON u.id = a.user_id
		WHERE a.device_id = d.id AND a.valid_from <= $1::timestamptz AND a.valid_to > $1::timestamptz ORDER BY a.valid_from DESC LIMIT 1) cur ON true`

func scanDeviceStatus(row pgx.Row) (patrol.DeviceStatus, error) {
	var d patrol.DeviceStatus
	var batt *float32
	err := row.Scan(&d.ID, &d.UnitID, &d.UnitCode, &d.Ident, &d.Name, &d.Active, &d.Created, &d.Deactivated,
		&d.LastSeen, &batt, &d.FixesToday, &d.Officer, &d.OfficerName)
	if batt != nil {
		b := float64(*batt)
		d.LastBattery = &b
	}
	return d, err
}

// ListDeviceStatus returns the devices of a unit with what the admin page shows of each as of
// now.
func (s *Store) ListDeviceStatus(ctx context.Context, unitID int, now time.Time) ([]patrol.DeviceStatus, error) {
	rows, err := s.pool.Query(ctx, deviceStatusQuery+` WHERE d.unit_id = $2 ORDER BY d.ident`, now, unitID)
	if err != nil {
		return nil, classify(fmt.Errorf("list devices: %w", err))
	}
	defer rows.Close()
	var out []patrol.DeviceStatus
	for rows.Next() {
		d, err := scanDeviceStatus(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("list devices: %w", err))
		}
		out = append(out, d)
	}
	return out, classify(rows.Err())
}

// DeviceStatusByIdent returns one device with its status as of now.
func (s *Store) DeviceStatusByIdent(ctx context.Context, ident string, now time.Time) (patrol.DeviceStatus, error) {
	d, err := scanDeviceStatus(s.pool.QueryRow(ctx, deviceStatusQuery+` WHERE d.ident = $2`, now, ident))
	if err != nil {
		return d, classify(fmt.Errorf("device %s: %w", ident, err))
	}
	return d, nil
}

// UpdateDevice renames a device (name not nil) and activates or deactivates it (active not
// nil). A deactivated device's secret is refused at once; deactivated_at records when.
func (s *Store) UpdateDevice(ctx context.Context, id int, name *string, active *bool) error {
	tag, err := s.pool.Exec(ctx, `UPDATE device SET name = coalesce($2, name),
		deactivated_at = CASE WHEN $3::boolean IS NULL OR $3 = active THEN deactivated_at WHEN $3 THEN NULL ELSE now() END,
		active = coalesce($3, active)
		WHERE id = $1`, id, name, active)
	if err != nil {
		return classify(fmt.Errorf("update device %d: %w", id, err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("update device %d: %w", id, patrol.ErrNotFound)
	}
	return nil
}

// ErrOverlap is returned when a device is already assigned to someone for part of a period.
var ErrOverlap = errors.New("the device is already assigned for part of this period")

func nullableTime(t time.Time, inf string) any {
	if t.IsZero() {
		return inf
	}
	return t
}

// CreateAssignment assigns a device to a user from `from` (zero: always) to `to` (zero:
// open-ended). It fails with ErrOverlap (wrapping patrol.ErrConflict) when the device is
// assigned to anyone for part of that period.
func (s *Store) CreateAssignment(ctx context.Context, deviceID int, userID int64, from, to time.Time) (patrol.Assignment, error) {
	defer s.duties.ForgetAll() // after commit: StoreFixes reads the new duty
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return patrol.Assignment{}, classify(fmt.Errorf("assign device: %w", err))
	}
	defer tx.Rollback(ctx)
	// One assignment at a time per device: lock the device row.
	if _, err := tx.Exec(ctx, `SELECT 1 FROM device WHERE id = $1 FOR UPDATE`, deviceID); err != nil {
		return patrol.Assignment{}, classify(fmt.Errorf("assign device: %w", err))
	}
	var other string
	err = tx.QueryRow(ctx, `SELECT u.username FROM device_assignment a JOIN app_user u ON u.id = a.user_id
		WHERE a.device_id = $1 AND a.valid_from < $3::timestamptz AND a.valid_to > $2::timestamptz LIMIT 1`,
		deviceID, nullableTime(from, "-infinity"), nullableTime(to, "infinity")).Scan(&other)
	if err == nil {
		return patrol.Assignment{}, fmt.Errorf("%w (to %s): %w", ErrOverlap, other, patrol.ErrConflict)
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return patrol.Assignment{}, classify(fmt.Errorf("assign device: %w", err))
	}
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO device_assignment (device_id, user_id, valid_from, valid_to)
		VALUES ($1, $2, $3::timestamptz, $4::timestamptz) RETURNING id`,
		deviceID, userID, nullableTime(from, "-infinity"), nullableTime(to, "infinity")).Scan(&id)
	if err != nil {
		return patrol.Assignment{}, classify(fmt.Errorf("assign device: %w", err))
	}
	if err := tx.Commit(ctx); err != nil {
		return patrol.Assignment{}, classify(fmt.Errorf("assign device: %w", err))
	}
	list, err := s.ListAssignments(ctx, deviceID)
	if err != nil {
		return patrol.Assignment{}, err
	}
	for _, a := range list {
		if a.ID == id {
			return a, nil
		}
	}
	return patrol.Assignment{}, fmt.Errorf("assignment %d: %w", id, patrol.ErrNotFound)
}

// ListAssignments returns a device's assignments, latest first.
func (s *Store) ListAssignments(ctx context.Context, deviceID int) ([]patrol.Assignment, error) {
	rows, err := s.pool.Query(ctx, `SELECT a.id, d.ident, a.user_id, u.username, u.full_name,
		CASE WHEN a.valid_from = '-infinity' THEN NULL ELSE a.valid_from END,
		CASE WHEN a.valid_to = 'infinity' THEN NULL ELSE a.valid_to END
		FROM device_assignment a JOIN device d ON d.id = a.device_id JOIN app_user u ON u.id = a.user_id
		WHERE a.device_id = $1 ORDER BY a.valid_from DESC, a.id DESC`, deviceID)
	if err != nil {
		return nil, classify(fmt.Errorf("list assignments: %w", err))
	}
	defer rows.Close()
	var out []patrol.Assignment
	for rows.Next() {
		var a patrol.Assignment
		if err := rows.Scan(&a.ID, &a.DeviceIdent, &a.UserID, &a.Username, &a.FullName, &a.From, &a.To); err != nil {
			return nil, classify(fmt.Errorf("list assignments: %w", err))
		}
		out = append(out, a)
	}
	return out, classify(rows.Err())
}

// EndAssignment ends a device's assignment at `at`: one that has started is cut there (its
// history stays), one that starts later is removed.
func (s *Store) EndAssignment(ctx context.Context, deviceID int, assignmentID int64, at time.Time) error {
	defer s.duties.ForgetAll() // after commit: StoreFixes reads the new duty
	tag, err := s.pool.Exec(ctx, `WITH cut AS (
			UPDATE device_assignment SET valid_to = $3 WHERE id = $1 AND device_id = $2 AND valid_from < $3 AND valid_to > $3 RETURNING id),
		gone AS (
			DELETE FROM device_assignment WHERE id = $1 AND device_id = $2 AND valid_from >= $3 RETURNING id)
		SELECT 1 FROM cut UNION ALL SELECT 1 FROM gone`, assignmentID, deviceID, at)
	if err != nil {
		return classify(fmt.Errorf("end assignment %d: %w", assignmentID, err))
	}
	if tag.RowsAffected() == 0 {
		var exists bool
		if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM device_assignment WHERE id = $1 AND device_id = $2)`, assignmentID, deviceID).Scan(&exists); err != nil {
			return classify(err)
		}
		if exists {
			return nil // ended already
		}
		return fmt.Errorf("assignment %d: %w", assignmentID, patrol.ErrNotFound)
	}
	return nil
}

// KnockingDevices gathers the rejection log since `since` by device id, latest first: the ids
// that are not registered but keep sending fixes, and the ids (registered by now or not) with
// refused requests kept for replay and not replayed yet.
func (s *Store) KnockingDevices(ctx context.Context, since time.Time, limit int) ([]patrol.KnockingDevice, error) {
	rows, err := s.pool.Query(ctx, `SELECT r.device_ident, EXISTS (SELECT 1 FROM device d WHERE d.ident = r.device_ident),
		sum(r.repeats)::int, (count(*) FILTER (WHERE r.request_sha IS NOT NULL AND r.replayed_at IS NULL))::int,
		min(r.received_at), max(r.received_at),
		(array_agg(r.source ORDER BY r.id DESC))[1], (array_agg(r.addr ORDER BY r.id DESC))[1], (array_agg(r.reason ORDER BY r.id DESC))[1]
		FROM fix_rejection r
		WHERE r.device_ident <> '' AND r.received_at >= $1
		GROUP BY r.device_ident
		HAVING NOT EXISTS (SELECT 1 FROM device d WHERE d.ident = r.device_ident)
		    OR count(*) FILTER (WHERE r.request_sha IS NOT NULL AND r.replayed_at IS NULL) > 0
		ORDER BY max(r.received_at) DESC LIMIT $2`, since, limit)
	if err != nil {
		return nil, classify(fmt.Errorf("knocking devices: %w", err))
	}
	defer rows.Close()
	var out []patrol.KnockingDevice
	for rows.Next() {
		var k patrol.KnockingDevice
		if err := rows.Scan(&k.Ident, &k.Registered, &k.Attempts, &k.Kept, &k.First, &k.Last, &k.Source, &k.Addr, &k.Reason); err != nil {
			return nil, classify(fmt.Errorf("knocking devices: %w", err))
		}
		out = append(out, k)
	}
	return out, classify(rows.Err())
}
