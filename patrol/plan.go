package patrol

import (
	"encoding/json"
	"time"
)

// Route kinds.
const (
	RoutePlanned   = "planned"   // drawn by a planner
	RouteSuggested = "suggested" // proposed by GET /api/v1/plan and saved
)

// ValidRouteKind reports whether s is a route kind.
func ValidRouteKind(s string) bool { return s == RoutePlanned || s == RouteSuggested }

// Route is a saved patrol route of a unit for a night.
type Route struct {
	ID            int64
	UnitID        int
	Night         string // local date the night starts on, YYYY-MM-DD; empty for no particular night
	Name          string
	Kind          string          // planned or suggested
	Geometry      json.RawMessage // GeoJSON LineString or MultiLineString, 4326
	LengthM       float64         // computed by the database when stored
	Properties    json.RawMessage // a JSON object: stops and plan parameters of a suggested route
	CreatedBy     int64
	CreatedByName string
	CreatedAt     time.Time
}

// RoadNetwork describes the routable graph built from a unit's roads.
type RoadNetwork struct {
	Roads   int       // lines in the road table
	Nodes   int       // graph nodes
	Edges   int       // graph edges (road pieces of at most 25 m)
	Routing bool      // pgRouting is installed, so planned routes follow the roads
	Rebuilt bool      // the graph was rebuilt by this call because the roads had changed
	BuiltAt time.Time // when the graph was built; zero when never
}

// PatrolSummary sums a unit's night patrols over some night periods: the cleaned fixes and the
// segments between them that coverage counts (consecutive fixes of one device less than 5 min
// apart with an implied speed under 150 km/h, inside the same night).
type PatrolSummary struct {
	NightsPatrolled int     // nights with at least one segment
	NightsWithFixes int     // nights with at least one night fix that no quality flag excludes
	Devices         int     // devices with at least one segment
	Fixes           int     // fixes inside the nights that no quality flag excludes
	Hours           float64 // time on segments, summed over devices
	DistanceKm      float64 // length of the segments, summed over devices
}

// IncidentCount is the number of counted (not void) incidents of one category.
type IncidentCount struct {
	Category    string
	Count       int
	SeveritySum int
}

// ReportSnapshot is an archived proof report: the HTML exactly as generated, its SHA-256 and the
// data cut-off time. It is never changed once stored.
type ReportSnapshot struct {
	ID            int64
	UnitID        int
	UnitCode      string
	From, To      time.Time // the period's instants
	FromText      string    // from and to as asked
	ToText        string
	Lang          string // vi or en
	Verdict       string // pass, fail or insufficient
	Cutoff        time.Time
	HTML          []byte // nil in lists
	Content       []byte // the canonical JSON the hash covers; nil for reports archived before numbering
	Year, Number  int    // numbered per unit per year; 0 for reports archived before numbering
	NumberText    string // "3/BC-DEMO"
	SHA256        []byte
	Size          int
	CreatedBy     int64
	CreatedByName string
	CreatedAt     time.Time
}

// DeviceFixCount is a number of fixes of one device, by the id its app sends.
type DeviceFixCount struct {
	Device string `json:"device"`
	Fixes  int    `json:"fixes"`
}

// ReportSettings are a unit's report settings (app/reporting): the verdict's thresholds and the
// official form's header, place, signatures and recipients.
type ReportSettings struct {
	MinIncidents   int // a problem hotspot holds at least this many of its group's incidents (5)
	MinWeeks       int // on at least this many distinct weeks of the period (3)
	GiMinIncidents int // under this many incidents of a group Gi* is not run for it (30)
	// KeyAreaNightsPct is the share of the period's nights, in percent, on which every key area
	// must meet its requirement for the key-area line to pass (100: every night).
	KeyAreaNightsPct int
	// MaxUnpatrolledPct is the share of study cells, in percent, that may go unpatrolled at
	// night with the coverage line still passing (0: none).
	MaxUnpatrolledPct int

	ParentAgency string   // CÔNG AN TP. SÔNG CÔNG
	Agency       string   // CÔNG AN PHƯỜNG …; the unit's name in capitals when empty
	NumberSuffix string   // Số: N/BC-<suffix>; the unit's code in capitals when empty
	Place        string   // the place of "PLACE, ngày … tháng … năm …"
	ChiefTitle   string   // TRƯỞNG CÔNG AN PHƯỜNG when empty
	ChiefName    string   // the chief's name
	Preparer     string   // the preparer's name
	Recipients   []string // Nơi nhận
}
