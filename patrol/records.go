package patrol

import (
	"encoding/json"
	"math"
	"time"
)

// Categories lists the incident categories in the order the map and report show them.
var Categories = []string{"theft", "robbery", "drugs", "gambling", "prostitution", "disorder", "traffic_accident", "fire", "fraud", "other"}

// ValidCategory reports whether s is an incident category.
func ValidCategory(s string) bool {
	for _, c := range Categories {
		if c == s {
			return true
		}
	}
	return false
}

// Incident statuses; void incidents count for nothing.
const (
	StatusOpen   = "open"
	StatusClosed = "closed"
	StatusVoid   = "void"
)

// ValidStatus reports whether s is an incident status.
func ValidStatus(s string) bool { return s == StatusOpen || s == StatusClosed || s == StatusVoid }

// Incident is a recorded security or order event at a place and time.
type Incident struct {
	ID          int64
	UnitID      int
	ExternalID  string // empty when the source gave none
	Time        time.Time
	Lat, Lon    float64
	Category    string
	Severity    int
	Status      string
	Description string
	Source      string
}

// Area kinds.
const (
	KindKeyArea          = "key_area"
	KindKeyRoad          = "key_road"
	KindResidentialGroup = "residential_group"
	KindOther            = "other"
)

// ValidAreaKind reports whether s is an area kind.
func ValidAreaKind(s string) bool {
	return s == KindKeyArea || s == KindKeyRoad || s == KindResidentialGroup || s == KindOther
}

// Area is a key area, key road, residential group or other named place of a unit.
type Area struct {
	ID                  int64
	UnitID              int
	Kind                string
	Name                string
	Geometry            json.RawMessage // GeoJSON geometry, 4326
	BufferM             float64
	RequiredNightVisits int
	MinDwellMin         int
	// Deadline is the local time of day ("HH:MM", inside the night window) by which a key area
	// should meet its requirement each night; "" takes the unit's NightDeadline.
	Deadline string
}

// Road is one line of a unit's road network.
type Road struct {
	ID       int64
	UnitID   int
	Name     string
	Geometry json.RawMessage // GeoJSON LineString
}

// Unknown is the value of a fix number the device did not send.
var Unknown = math.NaN()

// IngestResult counts what a batch of fixes or incidents did.
type IngestResult struct {
	Accepted   int
	Duplicates int
	OffDuty    int // fixes deliberately not stored: off duty, and the unit does not keep them
}

// Rejection is one entry of the rejection log: input that was refused and why.
type Rejection struct {
	ID          int64     `json:"id"`
	ReceivedAt  time.Time `json:"received_at"`
	UnitID      int       `json:"unit_id,omitempty"`
	DeviceIdent string    `json:"device"`
	Source      string    `json:"source"`
	Reason      string    `json:"reason"`
	Raw         string    `json:"raw"`
	Addr        string    `json:"addr"`
}

// StoredFix is a fix as read back, with its device's id text.
type StoredFix struct {
	Fix
	DeviceIdent string
	ReceivedAt  time.Time
}

// FixFilter selects stored fixes: a unit, optionally one device, and [From, To).
type FixFilter struct {
	UnitID   int
	DeviceID int // 0: every device of the unit
	From, To time.Time
	// OffDuty includes the fixes flagged off duty (FlagOffDuty), which only admins may
	// see; false leaves them out.
	OffDuty bool
}

// StoreOutcome is what StoreFixes did with one fix.
type StoreOutcome uint8

// The outcomes of StoreFixes.
const (
	// FixDuplicate: not stored, because a fix of the device with the same time is stored
	// already or came earlier in the batch.
	FixDuplicate StoreOutcome = iota
	// FixStored: stored (an off-duty fix of a unit that keeps them is stored, flagged).
	FixStored
	// FixOffDuty: deliberately not stored: its time lies outside every assignment of its
	// device and its unit does not keep off-duty fixes.
	FixOffDuty
)
