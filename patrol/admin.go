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

// KnockingDevice is a device id that is not registered but keeps sending fixes: its entries in
// the rejection log, gathered.
type KnockingDevice struct {
	Ident    string    `json:"device"`
	Attempts int       `json:"attempts"`
	First    time.Time `json:"first_at"`
	Last     time.Time `json:"last_at"`
	Source   string    `json:"source"` // the protocol of the latest attempt
	Addr     string    `json:"addr"`   // the address of the latest attempt
	Reason   string    `json:"reason"` // the reason of the latest attempt
}
