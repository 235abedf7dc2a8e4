package patrol

import "time"

// Account is a user as the admin pages show them.
type Account struct {
	User
	Created      time.Time
	LastLogin    *time.Time // the start of their latest session
	ActiveTokens int        // bearer tokens not revoked
	Sessions     int        // web sessions not expired
}

// AccountChange lists what to change about a user; nil fields stay as they are.
type AccountChange struct {
	FullName *string
	Role     *Role
	UnitCode *string // "" makes the user's scope every unit
	Disabled *bool
}

// Token is a bearer token as admins see it: never its value, which is stored only as a hash.
type Token struct {
	ID       int64      `json:"id"`
	UserID   int64      `json:"-"`
	Username string     `json:"username"`
	UnitID   int        `json:"-"`
	Label    string     `json:"label"`
	Created  time.Time  `json:"created_at"`
	LastUsed *time.Time `json:"last_used"`
	Revoked  *time.Time `json:"revoked_at"`
}

// DeviceStatus is a device with what its unit's admin watches.
type DeviceStatus struct {
	Device
	Deactivated *time.Time // when it was last deactivated, nil while active
	LastBattery *float64   // battery percent of its latest fix that had one (last 62 days)
	FixesToday  int        // fixes with a time in today's local date of the unit
	Officer     string     // username of the officer it is assigned to now, "" when none
	OfficerName string
}

// Assignment says that an officer carries a device for a period; a nil end is open.
type Assignment struct {
	ID          int64      `json:"id"`
	DeviceIdent string     `json:"device"`
	UserID      int64      `json:"-"`
	Username    string     `json:"username"`
	FullName    string     `json:"full_name"`
	From        *time.Time `json:"from"` // nil: since always
	To          *time.Time `json:"to"`   // nil: open-ended
}

// KnockingDevice is a device id that keeps sending fixes that are refused: an id that is not
// registered, or a registered device whose requests come without its key or with a wrong one.
// Its entries in the rejection log, gathered; Kept counts the refused requests kept whole and
// not yet replayed (POST /api/v1/devices/{id}/replay stores their fixes).
type KnockingDevice struct {
	Ident      string    `json:"device"`
	Registered bool      `json:"registered"`
	Attempts   int       `json:"attempts"`
	Kept       int       `json:"kept"`
	First      time.Time `json:"first_at"`
	Last       time.Time `json:"last_at"`
	Source     string    `json:"source"` // the protocol of the latest attempt
	Addr       string    `json:"addr"`   // the address of the latest attempt
	Reason     string    `json:"reason"` // the reason of the latest attempt
}

// KeptRequest is a tracker request refused because its device is not registered or its key is
// missing or wrong, kept whole in the rejection log so that its fixes can be replayed once the
// device is registered. The key is never kept: Query and a form Body have it redacted.
type KeptRequest struct {
	ID          int64     `json:"-"`
	ReceivedAt  time.Time `json:"-"` // when the first copy arrived: the time of a fix that has none
	UnitID      int       `json:"-"` // the unit of the device when it was known
	DeviceIdent string    `json:"-"`
	Reason      string    `json:"-"`
	Addr        string    `json:"-"`
	Raw         string    `json:"-"`      // the request as the rejection log shows it
	Source      string    `json:"source"` // "osmand" or "owntracks"
	Method      string    `json:"method"`
	Query       string    `json:"query"`
	ContentType string    `json:"content_type"`
	Body        []byte    `json:"body"`
}

// KeepLimits bound the kept refused requests.
type KeepLimits struct {
	PerDevice int           // most kept requests of one device id; the oldest go first
	Total     int           // most kept requests in all
	MaxAge    time.Duration // kept requests older than this are deleted
}
