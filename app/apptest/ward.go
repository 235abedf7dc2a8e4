package apptest

import (
	"encoding/json"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// HCM is the demo ward's time zone.
var HCM = mustLoc("Asia/Ho_Chi_Minh")

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// WardPoly is a square of about 650 m in the demo ward's part of Hà Nội: about 30 cells at res 10.
var WardPoly = orb.Polygon{{{105.850, 21.470}, {105.856, 21.470}, {105.856, 21.476}, {105.850, 21.476}, {105.850, 21.470}}}

// Unit is unit w1 with boundary WardPoly, resolution 10 and the default night.
func Unit() patrol.Unit {
	return patrol.Unit{ID: 1, Code: "w1", Name: "W1", TimeZone: "Asia/Ho_Chi_Minh", Boundary: GeoJSON(WardPoly),
		NightStart: "22:00", NightEnd: "05:00", H3Res: 10}
}

// GeoJSON writes a geometry as stored GeoJSON.
func GeoJSON(g orb.Geometry) json.RawMessage {
	b, err := json.Marshal(geojson.NewGeometry(g))
	if err != nil {
		panic(err)
	}
	return b
}

// Nights is the night period from the night of from to the night before to (local dates).
func Nights(from, to string) geo.Period {
	p, err := geo.ParsePeriod(from, to, HCM, geo.WindowNight, geo.DefaultNightWindow())
	if err != nil {
		panic(err)
	}
	return p
}

// VisitOn is a 5-minute pass of device p1 through cell at 23:00 on the night of d.
func VisitOn(cell h3.Cell, d geo.Date) geo.CellVisit {
	enter := time.Date(d.Year, d.Month, d.Day, 23, 0, 0, 0, HCM)
	return geo.CellVisit{Device: "p1", Cell: cell, Enter: enter.UTC(), Leave: enter.Add(5 * time.Minute).UTC(), DwellS: 300,
		Nights: []geo.Date{d}}
}

// IncidentAt is an incident at the centre of cell.
func IncidentAt(c h3.Cell, severity int, status string, at time.Time) patrol.Incident {
	ll, err := h3.CellToLatLng(c)
	if err != nil {
		panic(err)
	}
	return patrol.Incident{Lat: ll.Lat, Lon: ll.Lng, Severity: severity, Status: status, Time: at, Category: "theft"}
}

// StudyCells is the study area of WardPoly at res 10.
func StudyCells() []h3.Cell {
	cells, err := geo.StudyCells(WardPoly, 10)
	if err != nil {
		panic(err)
	}
	return cells
}

// MiddleLon is the longitude of the north–south line halving WardPoly.
const MiddleLon = 105.853

// GroupWest is residential group "Tổ 1", area 101: the west half of WardPoly (lon < MiddleLon).
func GroupWest() patrol.Area {
	west := orb.Polygon{{{105.850, 21.470}, {MiddleLon, 21.470}, {MiddleLon, 21.476}, {105.850, 21.476}, {105.850, 21.470}}}
	return patrol.Area{ID: 101, Kind: patrol.KindResidentialGroup, Name: "Tổ 1", Geometry: GeoJSON(west)}
}

// MiddleRoad is road "Đường Giữa", running north–south along MiddleLon through WardPoly.
func MiddleRoad() patrol.Road {
	return patrol.Road{ID: 1, Name: "Đường Giữa", Geometry: GeoJSON(orb.LineString{{MiddleLon, 21.468}, {MiddleLon, 21.478}})}
}

// KeyAreaOn is key area id named name whose polygon is the hexagon of cell, required once a
// night: its cells are cell and the neighbours its edges touch.
func KeyAreaOn(id int64, name string, cell h3.Cell) patrol.Area {
	poly, err := geo.CellPolygon(cell)
	if err != nil {
		panic(err)
	}
	return patrol.Area{ID: id, Kind: patrol.KindKeyArea, Name: name, Geometry: GeoJSON(poly), RequiredNightVisits: 1}
}
