// Package patrol holds the records that the HTTP layer (api) and the database layer (store)
// exchange: units, people, devices, incidents, areas and the caller of a request. It has no
// behaviour beyond validation of its own values, and imports neither api nor store, so both can
// depend on it without depending on each other.
package patrol

import (
	"encoding/json"
	"errors"
	"time"
)

// ErrNotFound is returned when the record asked for does not exist (or is outside the caller's
// scope, which callers must not be able to tell apart).
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a write collides with an existing record (a unique code or name).
var ErrConflict = errors.New("conflict")

// ErrUnavailable is returned when the database cannot be reached or fails transiently; callers
// answer 503 with Retry-After so a phone keeps its fixes and resends them.
var ErrUnavailable = errors.New("database unavailable")

// Role is what a user may do (see DESIGN.md's role table).
type Role string

// The three roles.
const (
	RoleAdmin   Role = "admin"
	RoleAnalyst Role = "analyst"
	RoleOfficer Role = "officer"
)

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool {
	return r == RoleAdmin || r == RoleAnalyst || r == RoleOfficer
}

// ValidUnitCode reports whether code can be a unit's code: 1 to 63 lower-case ASCII letters,
// digits, '_' and '-', starting with a letter or digit.
func ValidUnitCode(code string) bool {
	if len(code) == 0 || len(code) > 63 {
		return false
	}
	for i, r := range code {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || (i > 0 && (r == '_' || r == '-'))
		if !ok {
			return false
		}
	}
	return true
}

// Unit is a ward or commune police unit.
type Unit struct {
	ID         int
	Code       string
	Name       string
	TimeZone   string
	Boundary   json.RawMessage // GeoJSON MultiPolygon, nil when not set
	NightStart string          // "22:00"
	NightEnd   string          // "05:00"
	H3Res      int
	// StoreOffDuty says whether fixes outside every assignment of their device are stored
	// (flagged off duty, for admins only) or dropped at ingest.
	StoreOffDuty bool
	// OffDutyRetentionDays is how long stored off-duty fixes are kept (0 on input: 7).
	OffDutyRetentionDays int
	// NightDeadline is the key areas' default deadline ("HH:MM", inside the night window);
	// "" means none.
	NightDeadline string
}

// User is a person who signs in: an admin, analyst or officer, scoped to one unit (UnitID > 0)
// or to all units (UnitID == 0).
type User struct {
	ID       int64
	Username string
	FullName string
	Role     Role
	UnitID   int
	UnitCode string
	Disabled bool
}

// Device is an officer's phone or tracker, known by the Ident its app sends.
type Device struct {
	ID       int
	UnitID   int
	UnitCode string
	Ident    string
	Name     string
	Active   bool
	Created  time.Time
	LastSeen *time.Time
}

// CallerKind says how a request authenticated.
type CallerKind int

// The ways a request can authenticate.
const (
	CallerNone CallerKind = iota
	CallerUser
	CallerDevice
)

// Caller is who made a request: a user (by session or bearer token) or a device (by its secret).
type Caller struct {
	Kind      CallerKind
	User      User
	Device    Device
	SessionID []byte // SHA-256 of the session id when authenticated by cookie
	CSRFToken string // the session's CSRF token when authenticated by cookie
	TokenID   int64  // the bearer token's id when authenticated by token
}

// AllUnits reports whether a user caller's scope is every unit.
func (c Caller) AllUnits() bool { return c.Kind == CallerUser && c.User.UnitID == 0 }

// InScope reports whether the caller may see unit unitID at all.
func (c Caller) InScope(unitID int) bool {
	switch c.Kind {
	case CallerUser:
		return c.User.UnitID == 0 || c.User.UnitID == unitID
	case CallerDevice:
		return c.Device.UnitID == unitID
	}
	return false
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID       int64           `json:"id"`
	At       time.Time       `json:"at"`
	UserID   int64           `json:"user_id,omitempty"`
	Username string          `json:"username"`
	UnitID   int             `json:"unit_id,omitempty"`
	Action   string          `json:"action"`
	Target   string          `json:"target"`
	Detail   json.RawMessage `json:"detail,omitempty"`
	Addr     string          `json:"addr"`
}

// ErrBadCredentials is returned for an unknown user, a wrong password or a disabled account
// alike, so a caller cannot tell which.
var ErrBadCredentials = errors.New("wrong username or password")
