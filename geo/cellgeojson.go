package geo

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/uber/h3-go/v4"
)

// CellGeoJSON returns the hexagon of a cell as a GeoJSON Polygon, [lon, lat] rounded to 1e-7
// degrees: the one writer of cell geometry for every answer that draws cells.
func CellGeoJSON(c h3.Cell) (json.RawMessage, error) {
	poly, err := CellPolygon(c)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, 64+len(poly[0])*40)
	b = append(b, `{"type":"Polygon","coordinates":[`...)
	for i, ring := range poly {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, p := range ring {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			b = strconv.AppendFloat(b, round7(p[0]), 'f', -1, 64)
			b = append(b, ',')
			b = strconv.AppendFloat(b, round7(p[1]), 'f', -1, 64)
			b = append(b, ']')
		}
		b = append(b, ']')
	}
	b = append(b, "]}"...)
	return b, nil
}

// round7 rounds degrees to 7 decimals (about 1 cm).
func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }
