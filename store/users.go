package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/patrolmap/patrolmap/patrol"
)

// BcryptCost is the work factor of stored password hashes.
var BcryptCost = 11

// dummyHash is compared against when a username is unknown, so a login takes as long for an
// unknown user as for a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("patrolmap-no-such-user"), bcrypt.MinCost)

// NewUser is what CreateUser needs.
type NewUser struct {
	Username string
	FullName string
	Role     patrol.Role
	UnitCode string // empty: all units
	Password string
}

const userColumns = `u.id, u.username, u.full_name, u.role, coalesce(u.unit_id, 0), coalesce(un.code, ''), u.disabled`

func scanUser(row pgx.Row) (patrol.User, error) {
	var u patrol.User
	var role string
	err := row.Scan(&u.ID, &u.Username, &u.FullName, &role, &u.UnitID, &u.UnitCode, &u.Disabled)
	u.Role = patrol.Role(role)
	return u, err
}

func bcryptHash(password string) (string, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), BcryptCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(hash), nil
}

// CreateUser stores a user with a bcrypt hash of the password.
func (s *Store) CreateUser(ctx context.Context, n NewUser) (patrol.User, error) {
	if !n.Role.Valid() {
		return patrol.User{}, fmt.Errorf("create user: invalid role %q", n.Role)
	}
	if len(n.Password) < 8 {
		return patrol.User{}, fmt.Errorf("create user: password must have at least 8 characters")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(n.Password), BcryptCost)
	if err != nil {
		return patrol.User{}, fmt.Errorf("hash password: %w", err)
	}
	var unitID *int
	if n.UnitCode != "" {
		u, err := s.UnitByCode(ctx, n.UnitCode)
		if err != nil {
			return patrol.User{}, fmt.Errorf("create user %s: unit %s: %w", n.Username, n.UnitCode, err)
		}
		unitID = &u.ID
	}
	var id int64
	err = s.pool.QueryRow(ctx, `INSERT INTO app_user (username, full_name, role, unit_id, password_hash)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		n.Username, n.FullName, string(n.Role), unitID, string(hash)).Scan(&id)
	if err != nil {
		return patrol.User{}, classify(fmt.Errorf("create user %s: %w", n.Username, err))
	}
	return s.UserByID(ctx, id)
}

// SetPassword replaces a user's password hash and ends their sessions.
func (s *Store) SetPassword(ctx context.Context, userID int64, password string) error {
	defer s.callers.ForgetAll() // after commit: no cached caller outlives the change
	if len(password) < 8 {
		return fmt.Errorf("set password: password must have at least 8 characters")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), BcryptCost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return classify(fmt.Errorf("set password: %w", err))
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `UPDATE app_user SET password_hash = $2, updated_at = now() WHERE id = $1`, userID, string(hash)); err != nil {
		return classify(fmt.Errorf("set password: %w", err))
	}
	if _, err := tx.Exec(ctx, `DELETE FROM session WHERE user_id = $1`, userID); err != nil {
		return classify(fmt.Errorf("end sessions: %w", err))
	}
	if err := revokeUserTokens(ctx, tx, userID); err != nil {
		return err
	}
	return classify(tx.Commit(ctx))
}

// revokeUserTokens revokes every live bearer token of a user: a password reset or a disable
// ends all the access the user had, so re-enabling the user does not revive old tokens.
func revokeUserTokens(ctx context.Context, tx pgx.Tx, userID int64) error {
	if _, err := tx.Exec(ctx, `UPDATE api_token SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, userID); err != nil {
		return classify(fmt.Errorf("revoke tokens of user %d: %w", userID, err))
	}
	return nil
}

// UserByID returns one user.
func (s *Store) UserByID(ctx context.Context, id int64) (patrol.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM app_user u LEFT JOIN unit un ON un.id = u.unit_id WHERE u.id = $1`, id))
	if err != nil {
		return u, classify(fmt.Errorf("user %d: %w", id, err))
	}
	return u, nil
}

// UserByUsername returns one user.
func (s *Store) UserByUsername(ctx context.Context, username string) (patrol.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM app_user u LEFT JOIN unit un ON un.id = u.unit_id WHERE u.username = $1`, username))
	if err != nil {
		return u, classify(fmt.Errorf("user %s: %w", username, err))
	}
	return u, nil
}

// ListUsers returns the users of a unit (unitID > 0) or of every unit.
func (s *Store) ListUsers(ctx context.Context, unitID int) ([]patrol.User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM app_user u LEFT JOIN unit un ON un.id = u.unit_id
		WHERE $1 = 0 OR u.unit_id = $1 ORDER BY u.username`, unitID)
	if err != nil {
		return nil, classify(fmt.Errorf("list users: %w", err))
	}
	defer rows.Close()
	var out []patrol.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("list users: %w", err))
		}
		out = append(out, u)
	}
	return out, classify(rows.Err())
}

// ErrBadCredentials is patrol.ErrBadCredentials, returned by CheckPassword.
var ErrBadCredentials = patrol.ErrBadCredentials

// CheckPassword returns the user when username and password match an enabled account.
func (s *Store) CheckPassword(ctx context.Context, username, password string) (patrol.User, error) {
	var hash string
	var id int64
	var disabled bool
	err := s.pool.QueryRow(ctx, `SELECT id, password_hash, disabled FROM app_user WHERE username = $1`, username).Scan(&id, &hash, &disabled)
	if errors.Is(err, pgx.ErrNoRows) {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return patrol.User{}, ErrBadCredentials
	}
	if err != nil {
		return patrol.User{}, classify(fmt.Errorf("check password: %w", err))
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil || disabled {
		return patrol.User{}, ErrBadCredentials
	}
	return s.UserByID(ctx, id)
}

// SetUserDisabled sets or clears a user's disabled flag; disabling ends the user's sessions and
// revokes their tokens.
func (s *Store) SetUserDisabled(ctx context.Context, userID int64, disabled bool) error {
	defer s.callers.ForgetAll() // after commit: no cached caller outlives the change
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return classify(fmt.Errorf("disable user: %w", err))
	}
	defer tx.Rollback(ctx)
	tag, err := tx.Exec(ctx, `UPDATE app_user SET disabled = $2, updated_at = now() WHERE id = $1`, userID, disabled)
	if err != nil {
		return classify(fmt.Errorf("disable user: %w", err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("disable user %d: %w", userID, patrol.ErrNotFound)
	}
	if disabled {
		if _, err := tx.Exec(ctx, `DELETE FROM session WHERE user_id = $1`, userID); err != nil {
			return classify(fmt.Errorf("end sessions: %w", err))
		}
		if err := revokeUserTokens(ctx, tx, userID); err != nil {
			return err
		}
	}
	return classify(tx.Commit(ctx))
}

// CreateToken issues a bearer token for a user and returns it; only its hash is stored.
func (s *Store) CreateToken(ctx context.Context, userID int64, label string) (string, error) {
	secret, hash, err := NewSecret()
	if err != nil {
		return "", err
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO api_token (user_id, token_hash, label) VALUES ($1, $2, $3)`, userID, hash, label); err != nil {
		return "", classify(fmt.Errorf("create token: %w", err))
	}
	return secret, nil
}

// RevokeToken revokes a token by id.
func (s *Store) RevokeToken(ctx context.Context, tokenID int64) error {
	defer s.callers.ForgetAll() // after commit: no cached caller outlives the change
	tag, err := s.pool.Exec(ctx, `UPDATE api_token SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, tokenID)
	if err != nil {
		return classify(fmt.Errorf("revoke token: %w", err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("revoke token %d: %w", tokenID, patrol.ErrNotFound)
	}
	return nil
}

// callerTTL is how long CallerByToken trusts a token it checked without asking the database
// again. Every change this Store makes to tokens and users (revoke, password, disable, role,
// scope) forgets all entries at once; only a change made by another process or by hand in SQL
// waits for the TTL.
//
// The cache (Store.callers) is keyed by the token's SHA-256, so that a client posting batch
// after batch (a gateway, a bulk upload) pays no query per request for its token. Failures are
// never cached.
const callerTTL = 10 * time.Second

// CallerByToken returns the user a bearer token belongs to, if it is valid and the user enabled.
func (s *Store) CallerByToken(ctx context.Context, token string) (patrol.Caller, error) {
	// This runs on every bearer-authenticated request, bulk ingest included: a token checked a
	// moment ago costs no query (callerCache), another one round trip.
	key := sha256.Sum256([]byte(token))
	gen := s.callers.Gen()
	if cached, ok := s.callers.Get(key, time.Now()); ok {
		return cached, nil
	}
	var tokenID int64
	var u patrol.User
	var role string
	err := s.pool.QueryRow(ctx, `SELECT t.id, `+userColumns+`
		FROM api_token t JOIN app_user u ON u.id = t.user_id LEFT JOIN unit un ON un.id = u.unit_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND NOT u.disabled`, key[:]).
		Scan(&tokenID, &u.ID, &u.Username, &u.FullName, &role, &u.UnitID, &u.UnitCode, &u.Disabled)
	if err != nil {
		return patrol.Caller{}, classify(fmt.Errorf("token: %w", err))
	}
	u.Role = patrol.Role(role)
	c := patrol.Caller{Kind: patrol.CallerUser, User: u, TokenID: tokenID}
	s.callers.Put(key, c, gen, time.Now())
	return c, nil
}

// CreateSession starts a web session for a user and returns its id (for the cookie) and CSRF
// token. Only the id's hash is stored.
func (s *Store) CreateSession(ctx context.Context, userID int64, ttl time.Duration, addr string) (id, csrf string, err error) {
	id, hash, err := NewSecret()
	if err != nil {
		return "", "", err
	}
	csrf, _, err = NewSecret()
	if err != nil {
		return "", "", err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO session (id_hash, user_id, csrf_token, expires_at, addr) VALUES ($1, $2, $3, now() + $4::interval, $5)`,
		hash, userID, csrf, fmt.Sprintf("%d seconds", int(ttl.Seconds())), addr)
	if err != nil {
		return "", "", classify(fmt.Errorf("create session: %w", err))
	}
	return id, csrf, nil
}

// CallerBySession returns the user of a live session.
func (s *Store) CallerBySession(ctx context.Context, id string) (patrol.Caller, error) {
	var userID int64
	var csrf string
	hash := HashSecret(id)
	err := s.pool.QueryRow(ctx, `SELECT s.user_id, s.csrf_token FROM session s JOIN app_user u ON u.id = s.user_id
		WHERE s.id_hash = $1 AND s.expires_at > now() AND NOT u.disabled`, hash).Scan(&userID, &csrf)
	if err != nil {
		return patrol.Caller{}, classify(fmt.Errorf("session: %w", err))
	}
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return patrol.Caller{}, err
	}
	return patrol.Caller{Kind: patrol.CallerUser, User: u, SessionID: hash, CSRFToken: csrf}, nil
}

// DeleteSession ends a session (logout).
func (s *Store) DeleteSession(ctx context.Context, idHash []byte) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM session WHERE id_hash = $1`, idHash)
	return classify(err)
}

// CreateUserRecord is CreateUser for the HTTP layer: the user's unit is given by code.
func (s *Store) CreateUserRecord(ctx context.Context, u patrol.User, password string) (patrol.User, error) {
	return s.CreateUser(ctx, NewUser{Username: u.Username, FullName: u.FullName, Role: u.Role, UnitCode: u.UnitCode, Password: password})
}
