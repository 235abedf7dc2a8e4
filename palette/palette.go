// Package palette is the one set of colours and meanings of patrolmap's
// maps. The web map imports palette.json at build time and the report's
// maps read it through this package, so a gap, a hot spot or an officer's
// track looks the same on the screen and on paper.
//
// Keys are dotted: "gap.never", "hot.99", "emerging.new_hot_spot",
// "area.key_area", "incident.theft", "basemap.water". Officers' tracks are
// a separate ordered list (Track).
package palette

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

//go:embed palette.json
var raw []byte

// Entry is one thing a map draws: its fill and stroke colours (#rrggbb,
// either may be empty), the opacity of the fill, the stroke width in
// pixels and dash pattern, and what it means in Vietnamese and English.
type Entry struct {
	Fill    string  `json:"fill,omitempty"`
	Stroke  string  `json:"stroke,omitempty"`
	Opacity float64 `json:"opacity,omitempty"`
	Weight  float64 `json:"weight,omitempty"`
	Dash    string  `json:"dash,omitempty"`
	VI      string  `json:"vi"`
	EN      string  `json:"en"`
}

// Line is the stroke of one officer's track.
type Line struct {
	Stroke string `json:"stroke"`
	Dash   string `json:"dash"`
}

type file struct {
	Entries map[string]Entry `json:"entries"`
	Tracks  []Line           `json:"tracks"`
}

var loaded = mustLoad(raw)

func mustLoad(b []byte) file {
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		panic("palette: palette.json: " + err.Error())
	}
	if len(f.Tracks) == 0 {
		panic("palette: palette.json has no tracks")
	}
	return f
}

// JSON returns palette.json as embedded.
func JSON() []byte { return append([]byte(nil), raw...) }

// Get returns the entry for key and whether there is one.
func Get(key string) (Entry, bool) {
	e, ok := loaded.Entries[key]
	return e, ok
}

// Keys returns every entry key, sorted.
func Keys() []string {
	keys := make([]string, 0, len(loaded.Entries))
	for k := range loaded.Entries {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Fill returns the fill colour of key, or its stroke when it has no fill,
// or "none" for an unknown key.
func Fill(key string) string {
	e, ok := loaded.Entries[key]
	switch {
	case !ok:
		return "none"
	case e.Fill != "":
		return e.Fill
	case e.Stroke != "":
		return e.Stroke
	}
	return "none"
}

// Stroke returns the stroke colour of key, or its fill when it has no
// stroke, or "none" for an unknown key.
func Stroke(key string) string {
	e, ok := loaded.Entries[key]
	switch {
	case !ok:
		return "none"
	case e.Stroke != "":
		return e.Stroke
	case e.Fill != "":
		return e.Fill
	}
	return "none"
}

// Meaning returns what key means in lang ("vi" or "en"; anything else is
// Vietnamese), or key itself when the palette has no such entry.
func Meaning(key, lang string) string {
	e, ok := loaded.Entries[key]
	if !ok {
		return key
	}
	if lang == "en" && e.EN != "" {
		return e.EN
	}
	return e.VI
}

// Hotspot returns the entry key of a Gi* bin: "hot.99" … "cold.90", or
// "hotspot.none" when class is neither hot nor cold or confidence is not
// 90, 95 or 99.
func Hotspot(class string, confidence int) string {
	if class != "hot" && class != "cold" {
		return "hotspot.none"
	}
	switch confidence {
	case 90, 95, 99:
		return class + "." + strconv.Itoa(confidence)
	}
	return "hotspot.none"
}

// Emerging returns the entry key of an emerging hot spot category
// ("emerging.new_hot_spot"), "emerging.no_pattern" for an unknown one.
func Emerging(category string) string {
	key := "emerging." + category
	if _, ok := loaded.Entries[key]; ok {
		return key
	}
	return "emerging.no_pattern"
}

// Tracks returns how many distinct track lines the palette has.
func Tracks() int { return len(loaded.Tracks) }

// Track returns the line of the i-th officer (0-based; officers beyond the
// list reuse it from the start).
func Track(i int) Line {
	n := len(loaded.Tracks)
	return loaded.Tracks[((i%n)+n)%n]
}

// CoverageNights returns the entry key of a cell patrolled on n of nights
// nights: "coverage.nights0" (never), nights1 (under a quarter), nights2
// (a quarter to half), nights3 (more than half).
func CoverageNights(n, nights int) string {
	switch {
	case n <= 0:
		return "coverage.nights0"
	case nights > 0 && float64(n) < 0.25*float64(nights):
		return "coverage.nights1"
	case nights > 0 && float64(n) <= 0.5*float64(nights):
		return "coverage.nights2"
	}
	return "coverage.nights3"
}

// String returns a short description, for debugging.
func (e Entry) String() string {
	return fmt.Sprintf("fill %s stroke %s (%s)", e.Fill, e.Stroke, e.EN)
}
