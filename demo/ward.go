// Package demo generates the synthetic demo ward that `patrolmap seed-demo` loads: a ward of
// about 4 km² near Sông Công, Thái Nguyên, with its boundary, 17 residential groups, roads, key
// areas, five officers, 90 nights of patrol GPS fixes and a year of incidents.
//
// Everything is placed relative to the day it is generated for and is deterministic for a seed
// and that day. The data is built to show what the service finds: one key area (a construction
// site at the south-east edge) is neglected at night, the north-east corner is never patrolled,
// and a cluster of incidents around a café in that corner emerges in the last six weeks as the
// only significant Gi* hot spot, while the background incidents are spread too evenly to form
// one in any earlier period.
//
// The package is pure: no database, no network, no clock. It imports orb, h3-go and patrol (for
// the one Fix record) only.
package demo

import (
	"errors"
	"fmt"
	"time"

	"github.com/paulmach/orb"

	"github.com/patrolmap/patrolmap/patrol"
)

// Ward is the generated demo unit and everything in it. Its fields are plain data for a
// loader; Fixes streams the GPS fixes, which are too many to hold.
type Ward struct {
	Code       string // unit code, "demo"
	Name       string // display name, marked as synthetic
	TimeZone   string // IANA zone, "Asia/Ho_Chi_Minh"
	H3Res      int    // H3 resolution of the unit, 10
	NightStart string // night window start, local "HH:MM"
	NightEnd   string // night window end, local "HH:MM"

	Boundary orb.Polygon // the ward boundary, [lon, lat], counter-clockwise
	Office   orb.Point   // the ward police office, where shifts start

	Groups   []Area // the 17 residential groups (kind residential_group); they tile Boundary
	KeyAreas []Area // key areas and key roads (kinds key_area, key_road)
	Roads    []Road // the road network

	Officers  []Officer  // the five patrol officers and their devices
	Patrols   []Patrol   // the night shifts behind the fixes, by night then officer
	Incidents []Incident // a year of incidents in time order

	Neglected     string    // name of the key area that is neglected at night
	ClusterPlace  string    // where the emerging cluster of incidents forms (Vietnamese)
	ClusterCentre orb.Point // centre of the cluster
	ClusterCells  []string  // the H3 cells (resolution H3Res) that hold the cluster incidents

	Seed int64     // the seed it was generated with
	Day  time.Time // local midnight starting the day it was generated for
	// Until, when set, is the moment the demo is loaded: Fixes yields nothing recorded after it,
	// so a demo loaded between midnight and the end of last night's shift holds that shift as
	// far as it has gone, not positions from the future. Generate leaves it zero (whole shifts).
	Until time.Time

	sim *simulation
}

// Area is a residential group, key area or key road. A line geometry is buffered by BufferM.
type Area struct {
	Kind                string       // residential_group, key_area or key_road
	Name                string       // Vietnamese name
	Geometry            orb.Geometry // orb.Polygon, or orb.LineString for a key road
	BufferM             float64      // buffer of a line geometry in metres, 0 for polygons
	RequiredNightVisits int          // visits required per night
	MinDwellMin         int          // minutes a visit must last to count
}

// Road is a named street or alley of the ward.
type Road struct {
	Name string
	Line orb.LineString
}

// Officer is a patrol officer with the id of the phone that records their patrols.
type Officer struct {
	Username string
	FullName string
	DeviceID string
}

// Patrol is one officer's night shift.
type Patrol struct {
	DeviceID string
	Night    string    // local date the night starts on, YYYY-MM-DD
	Start    time.Time // shift start, UTC
	End      time.Time // shift end, UTC
	Mode     string    // "walk" or "motorbike"
	Targets  []string  // names of the key areas the shift was sent to, in order

	officer int   // index in Officers
	night   int   // 0 for the oldest night
	targets []int // indexes in KeyAreas
}

// Incident is a recorded incident of the ward.
type Incident struct {
	ExternalID  string    // DEMO-000001 and up, in time order
	Time        time.Time // UTC
	Point       orb.Point
	Category    string // theft, robbery, drugs, gambling, disorder, traffic_accident, fire, fraud, other
	Severity    int    // 1 to 5
	Status      string // open or closed
	Description string // Vietnamese
}

// PhoneFix is one GPS fix as an officer's phone sends it: the fix itself (time in UTC, whole
// microseconds; accuracy and altitude in metres, speed in m/s, heading in degrees clockwise
// from north, battery in percent; Source "demo"; UnitID and DeviceID left for the loader), the
// phone's device id, and whether the phone buffered it and sent it hours later.
type PhoneFix struct {
	patrol.Fix
	Device string
	Late   bool
}

// Names and settings of the demo unit.
const (
	Code       = "demo"
	Name       = "Phường Mẫu (dữ liệu mô phỏng)"
	TimeZone   = "Asia/Ho_Chi_Minh"
	H3Res      = 10
	NightStart = "22:00"
	NightEnd   = "05:00"

	// Nights is how many nights of patrols the demo holds, ending the night before the day.
	Nights = 90
	// IncidentDays is how many days of incidents the demo holds, ending the day before the day.
	IncidentDays = 365
	// ClusterDays is how long before the day the cluster of incidents starts.
	ClusterDays = 42
)

// zone is Asia/Ho_Chi_Minh: UTC+7 without daylight saving since 1975, so a fixed zone is exact
// for the demo's dates and needs no time zone database.
var zone = time.FixedZone("ICT", 7*3600)

// Generate builds the demo ward for a seed and the day that seed-demo runs. Only the date of
// today (its year, month and day in Asia/Ho_Chi_Minh) is used. The same seed and date give the
// same ward, fixes included.
func Generate(seed int64, today time.Time) (*Ward, error) {
	if today.IsZero() {
		return nil, errors.New("demo: generate: the day is zero")
	}
	y, m, d := today.In(zone).Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, zone)
	dayNum := (day.Unix() + 7*3600) / 86400 // days since 1970-01-01, local

	w := &Ward{
		Code: Code, Name: Name, TimeZone: TimeZone, H3Res: H3Res,
		NightStart: NightStart, NightEnd: NightEnd,
		Boundary: orb.Polygon{toRing(boundaryPlan)},
		Seed:     seed, Day: day,
	}
	w.Officers = append([]Officer(nil), officerPlans...)

	groups, err := partition(boundaryPlan, groupSites)
	if err != nil {
		return nil, fmt.Errorf("demo: generate: %w", err)
	}
	for i, g := range groups {
		w.Groups = append(w.Groups, Area{
			Kind: kindGroup, Name: fmt.Sprintf("Tổ dân phố %d", i+1),
			Geometry: orb.Polygon{toRing(g)}, RequiredNightVisits: 1,
		})
	}

	net, err := newNetwork()
	if err != nil {
		return nil, fmt.Errorf("demo: generate: %w", err)
	}
	w.Roads = net.roads()
	for _, a := range areaPlans {
		area := Area{Kind: a.kind, Name: a.name, RequiredNightVisits: a.visits, MinDwellMin: a.dwell}
		if a.kind == kindKeyRoad {
			area.Geometry = toLine(net.roadLine(roadIndex(a.road)))
			area.BufferM = keyRoadBuffM
		} else {
			area.Geometry = orb.Polygon{toRing(a.rectPoly())}
		}
		if a.neglected {
			w.Neglected = a.name
		}
		w.KeyAreas = append(w.KeyAreas, area)
	}
	w.Office = toPoint(polyCentroid(areaPlans[officeArea].rectPoly()))

	w.sim = &simulation{seed: seed, dayNum: dayNum, day: day, net: net, groups: groups}
	w.Patrols = w.schedule()

	if err := w.incidents(); err != nil {
		return nil, fmt.Errorf("demo: generate: %w", err)
	}
	return w, nil
}

// partition cuts a polygon into the Voronoi cells of sites: the i-th tile is the part of poly
// nearer to sites[i] than to any other site. The tiles cover poly without gaps or overlaps.
func partition(poly []vec, sites []vec) ([][]vec, error) {
	tiles := make([][]vec, len(sites))
	for i, s := range sites {
		tile := poly
		for j, t := range sites {
			if i == j {
				continue
			}
			// Keep the points p with |p−s|² ≤ |p−t|², i.e. (t−s)·p ≤ (|t|²−|s|²)/2.
			n := t.sub(s)
			tile = clipHalfPlane(tile, n, (t.dot(t)-s.dot(s))/2)
		}
		tile = cleanPoly(tile)
		if len(tile) < 3 || polyArea(tile) <= 0 {
			return nil, fmt.Errorf("residential group %d is empty", i+1)
		}
		tiles[i] = tile
	}
	return tiles, nil
}

// FixSpan returns the earliest shift start and the latest shift end of the ward's patrols: every
// fix of Fixes lies between them. Both are zero when there is no patrol.
func (w *Ward) FixSpan() (first, last time.Time) {
	for i, p := range w.Patrols {
		if i == 0 || p.Start.Before(first) {
			first = p.Start
		}
		if i == 0 || p.End.After(last) {
			last = p.End
		}
	}
	return first, last
}
