package patrol

import (
	"encoding/json"
	"time"
)

// NightAlert is a deadline alert: a key area that reached its deadline in a night without
// meeting its requirement. It is raised once per area and night and acknowledged at most once.
type NightAlert struct {
	ID          int64
	UnitID      int
	UnitCode    string
	AreaID      int64
	AreaName    string
	Night       string // the local date of the night, YYYY-MM-DD
	Required    int
	MinDwellMin int
	Visits      int // counted visits at the deadline
	DeadlineAt  time.Time
	RaisedAt    time.Time
	Nearest     *NearestOfficer // nil when no officer was on duty with a recent position
	AckByID     int64
	AckByName   string
	AckAt       time.Time // zero until acknowledged
}

// NearestOfficer is the on-duty device closest to a key area by its last position.
type NearestOfficer struct {
	Device    string    `json:"device"`
	Name      string    `json:"name,omitempty"`
	DistanceM float64   `json:"distance_m"`
	SeenAt    time.Time `json:"seen_at"`
	Lat       float64   `json:"lat"`
	Lon       float64   `json:"lon"`
}

// NightHandover is the morning handover of one unit and night, archived once at the night's end.
type NightHandover struct {
	ID        int64
	UnitID    int
	UnitCode  string
	Night     string // YYYY-MM-DD
	CreatedAt time.Time
	Content   json.RawMessage // the handover as JSON, exactly as archived
}
