package demo

import (
	"math"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// The demo's basemap: what a Protomaps basemap extract of the ward would hold, drawn from the
// ward's own layout so the streets under the analysis layers are the ward's streets. Layers
// and properties follow the Protomaps basemap schema (earth, water, landuse, roads,
// buildings, places, pois; kind, kind_detail, name, min_zoom).

// riverName and lakeName are the demo's water bodies (synthetic, like the ward).
const (
	riverName = "Sông Mẫu"
	lakeName  = "Hồ Điều Hòa"
)

// majorRoads are drawn as major roads; other "Đường"/"Phố" as minor roads, "Ngõ" as alleys.
var majorRoads = map[string]bool{"Đường Cách Mạng Tháng Mười": true, "Đường Thống Nhất": true, "Phố Lê Hồng Phong": true}

// BasemapLayers returns the ward's basemap as GeoJSON layers in the Protomaps basemap schema:
// land around the ward, a river along its south and the park's lake, the park and the school
// grounds, every named street and alley, house blocks between the streets, the residential
// groups as neighbourhood names, and landmarks (the police office, the market, the school,
// the construction sites, the café where incidents cluster).
func (w *Ward) BasemapLayers() map[string]*geojson.FeatureCollection {
	layers := map[string]*geojson.FeatureCollection{}
	add := func(layer string, g orb.Geometry, props geojson.Properties) {
		if layers[layer] == nil {
			layers[layer] = geojson.NewFeatureCollection()
		}
		f := geojson.NewFeature(g)
		f.Properties = props
		layers[layer].Append(f)
	}

	// Land reaching well past the ward, so the map has no hole at its edge.
	land := []vec{{-4000, -4000}, {6500, -4000}, {6500, 5800}, {-4000, 5800}}
	add("earth", orb.Polygon{toRing(land)}, geojson.Properties{"kind": "earth"})

	river := riverPoly()
	add("water", orb.Polygon{toRing(river)}, geojson.Properties{"kind": "river", "name": riverName})
	add("water", toLine(riverCentre()), geojson.Properties{"kind": "river", "name": riverName})
	add("water", toPoint(vec{1150, -235}), geojson.Properties{"kind": "water", "name": riverName, "min_zoom": 12})

	for _, a := range areaPlans {
		if a.kind != kindKeyArea {
			continue
		}
		rect := a.rectPoly()
		switch {
		case strings.HasPrefix(a.name, "Công viên"):
			add("landuse", orb.Polygon{toRing(rect)}, geojson.Properties{"kind": "park", "name": a.name})
			lake := ellipse(polyCentroid(rect), 50, 62, 20)
			add("water", orb.Polygon{toRing(lake)}, geojson.Properties{"kind": "lake", "name": lakeName})
			add("water", toPoint(polyCentroid(rect)), geojson.Properties{"kind": "lake", "name": lakeName, "min_zoom": 14})
			add("pois", toPoint(vec{a.rect[0] + 15, a.rect[3] - 15}), geojson.Properties{"kind": "park", "name": a.name, "min_zoom": 14})
		case strings.HasPrefix(a.name, "Trường"):
			add("landuse", orb.Polygon{toRing(rect)}, geojson.Properties{"kind": "school", "name": a.name})
			add("pois", toPoint(polyCentroid(rect)), geojson.Properties{"kind": "school", "name": a.name, "min_zoom": 14})
		case strings.HasPrefix(a.name, "Chợ"):
			add("landuse", orb.Polygon{toRing(rect)}, geojson.Properties{"kind": "marketplace", "name": a.name})
			add("pois", toPoint(polyCentroid(rect)), geojson.Properties{"kind": "marketplace", "name": a.name, "min_zoom": 14})
		case strings.HasPrefix(a.name, "Trụ sở Công an"):
			add("pois", toPoint(polyCentroid(rect)), geojson.Properties{"kind": "police", "name": a.name, "min_zoom": 14})
		case strings.HasPrefix(a.name, "Công trường"):
			add("landuse", orb.Polygon{toRing(rect)}, geojson.Properties{"kind": "construction", "name": a.name})
			add("pois", toPoint(polyCentroid(rect)), geojson.Properties{"kind": "construction", "name": a.name, "min_zoom": 15})
		}
	}
	add("pois", toPoint(clusterPlan.at.add(vec{12, 14})), geojson.Properties{"kind": "cafe", "name": "Quán cà phê Góc Phố", "min_zoom": 16})

	for _, r := range w.Roads {
		kind, detail := "minor_road", "residential"
		switch {
		case majorRoads[r.Name]:
			kind, detail = "major_road", "secondary"
		case strings.HasPrefix(r.Name, "Ngõ"):
			detail = "service"
		}
		add("roads", r.Line, geojson.Properties{"kind": kind, "kind_detail": detail, "name": r.Name})
	}

	for _, b := range houseBlocks() {
		add("buildings", orb.Polygon{toRing(b)}, geojson.Properties{"kind": "building"})
	}
	for _, g := range w.Groups {
		if p, ok := g.Geometry.(orb.Polygon); ok && len(p) > 0 {
			add("places", toPoint(polyCentroid(ringVecs(p[0]))), geojson.Properties{"kind": "neighbourhood", "name": g.Name, "min_zoom": 14})
		}
	}
	add("places", w.Office, geojson.Properties{"kind": "locality", "name": w.Name, "min_zoom": 11, "population_rank": 8})
	return layers
}

// riverCentre is the river's course south of the ward, west to east.
func riverCentre() []vec {
	var pts []vec
	for x := -4000.0; x <= 6500; x += 100 {
		pts = append(pts, vec{x, -230 + 45*math.Sin(x/420)})
	}
	return pts
}

// riverPoly is the river as a 70 m wide band around its course.
func riverPoly() []vec {
	c := riverCentre()
	poly := make([]vec, 0, 2*len(c))
	for _, p := range c {
		poly = append(poly, p.add(vec{0, -35}))
	}
	for i := len(c) - 1; i >= 0; i-- {
		poly = append(poly, c[i].add(vec{0, 35}))
	}
	return poly
}

// ellipse returns an n-gon approximating an ellipse with radii rx, ry around c.
func ellipse(c vec, rx, ry float64, n int) []vec {
	out := make([]vec, n)
	for i := range out {
		a := 2 * math.Pi * float64(i) / float64(n)
		out[i] = vec{c.x + rx*math.Cos(a), c.y + ry*math.Sin(a)}
	}
	return out
}

func ringVecs(r orb.Ring) []vec {
	out := make([]vec, 0, len(r))
	for i, p := range r {
		if i == len(r)-1 && p == r[0] {
			break
		}
		out = append(out, fromPoint(p))
	}
	return out
}

// houseBlocks returns rows of houses on a 40 m grid inside the ward, none on a street (18 m
// clear of every road's centre line) or in a key area.
func houseBlocks() []vec4 {
	var lines [][]vec
	for _, rp := range roadPlans {
		var l []vec
		for _, id := range rp.nodes {
			for _, n := range roadNodes {
				if n.id == id {
					l = append(l, vec{n.x, n.y})
				}
			}
		}
		lines = append(lines, l)
	}
	var out []vec4
	for x := 0.0; x <= 2500; x += 40 {
		for y := 0.0; y <= 1760; y += 34 {
			c := vec{x + 20, y + 17}
			if !inPoly(boundaryPlan, c) || ringDist(boundaryPlan, c) < 20 {
				continue
			}
			near := false
			for _, l := range lines {
				if lineDist(l, c) < 20 {
					near = true
					break
				}
			}
			for _, a := range areaPlans {
				if a.kind == kindKeyArea && inPoly(a.rectPoly(), c) {
					near = true
				}
			}
			if near {
				continue
			}
			out = append(out, vec4{{c.x - 14, c.y - 11}, {c.x + 14, c.y - 11}, {c.x + 14, c.y + 11}, {c.x - 14, c.y + 11}})
		}
	}
	return out
}

// vec4 is a house: four corners, counter-clockwise.
type vec4 = []vec
