package demo

import (
	"testing"
	"time"

	"github.com/paulmach/orb"
)

func TestBasemapLayersHoldTheWardsMap(t *testing.T) {
	w, err := Generate(1, time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	layers := w.BasemapLayers()
	for _, name := range []string{"earth", "water", "landuse", "roads", "buildings", "places", "pois"} {
		if layers[name] == nil || len(layers[name].Features) == 0 {
			t.Fatalf("layer %s empty", name)
		}
	}
	names := map[string]bool{}
	for _, f := range layers["roads"].Features {
		names[f.Properties.MustString("name", "")] = true
		if k := f.Properties.MustString("kind", ""); k != "major_road" && k != "minor_road" {
			t.Errorf("road kind %q", k)
		}
	}
	for _, r := range w.Roads {
		if !names[r.Name] {
			t.Errorf("street %q missing from the basemap", r.Name)
		}
	}
	groups := 0
	for _, f := range layers["places"].Features {
		if f.Properties.MustString("kind", "") == "neighbourhood" {
			groups++
		}
	}
	if groups != len(w.Groups) {
		t.Errorf("%d neighbourhood names, want the %d residential groups", groups, len(w.Groups))
	}
	river := false
	for _, f := range layers["water"].Features {
		if f.Properties.MustString("name", "") == riverName {
			river = true
		}
	}
	if !river {
		t.Error("no river")
	}
	// Houses stand between the streets, never on one.
	for _, f := range layers["buildings"].Features[:50] {
		c := f.Geometry.Bound().Center()
		for _, r := range w.Roads {
			if d := lineDist(toVecs(r.Line), fromPoint(c)); d < 15 {
				t.Fatalf("a house at %v stands %.0f m from %s", c, d, r.Name)
			}
		}
	}
}

func toVecs(l orb.LineString) []vec {
	out := make([]vec, len(l))
	for i, p := range l {
		out[i] = fromPoint(p)
	}
	return out
}
