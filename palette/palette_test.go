package palette_test

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"testing"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/palette"
)

var hexColour = regexp.MustCompile(`^#[0-9a-f]{6}$`)

func TestEveryEntryHasColoursAndMeanings(t *testing.T) {
	keys := palette.Keys()
	if len(keys) < 50 {
		t.Fatalf("palette has %d entries, want the whole map's (≥ 50)", len(keys))
	}
	for _, k := range keys {
		e, _ := palette.Get(k)
		if e.Fill == "" && e.Stroke == "" {
			t.Errorf("%s: neither fill nor stroke", k)
		}
		for _, c := range []string{e.Fill, e.Stroke} {
			if c != "" && !hexColour.MatchString(c) {
				t.Errorf("%s: colour %q is not #rrggbb in lower case", k, c)
			}
		}
		if e.Opacity < 0 || e.Opacity > 1 {
			t.Errorf("%s: opacity %v outside [0, 1]", k, e.Opacity)
		}
		if e.VI == "" || e.EN == "" {
			t.Errorf("%s: meaning missing (vi %q, en %q)", k, e.VI, e.EN)
		}
	}
	for i := 0; i < palette.Tracks(); i++ {
		if l := palette.Track(i); !hexColour.MatchString(l.Stroke) {
			t.Errorf("track %d: colour %q is not #rrggbb", i, l.Stroke)
		}
	}
}

func TestEveryEmergingCategoryAndHotspotBinHasAnEntry(t *testing.T) {
	cats := []geo.EmergingCategory{
		geo.CategoryNewHotSpot, geo.CategoryConsecutiveHotSpot, geo.CategoryIntensifyingHotSpot,
		geo.CategoryPersistentHotSpot, geo.CategoryDiminishingHotSpot, geo.CategorySporadicHotSpot,
		geo.CategoryOscillatingHotSpot, geo.CategoryHistoricalHotSpot, geo.CategoryNewColdSpot,
		geo.CategoryConsecutiveColdSpot, geo.CategoryIntensifyingColdSpot, geo.CategoryPersistentColdSpot,
		geo.CategoryDiminishingColdSpot, geo.CategorySporadicColdSpot, geo.CategoryOscillatingColdSpot,
		geo.CategoryHistoricalColdSpot, geo.CategoryNoPattern,
	}
	seen := map[string]string{}
	for _, c := range cats {
		key := palette.Emerging(string(c))
		if key != "emerging."+string(c) {
			t.Errorf("Emerging(%q) = %q", c, key)
		}
		if c != geo.CategoryNoPattern {
			f := palette.Fill(key)
			if other, dup := seen[f]; dup {
				t.Errorf("%s and %s share the fill %s", c, other, f)
			}
			seen[f] = string(c)
		}
	}
	if got := palette.Emerging("made_up"); got != "emerging.no_pattern" {
		t.Errorf("Emerging(made_up) = %q, want emerging.no_pattern", got)
	}
	for _, tc := range []struct {
		class string
		conf  int
		want  string
	}{
		{"hot", 99, "hot.99"}, {"hot", 95, "hot.95"}, {"hot", 90, "hot.90"},
		{"cold", 99, "cold.99"}, {"cold", 90, "cold.90"},
		{"hot", 0, "hotspot.none"}, {"none", 99, "hotspot.none"}, {"hot", 80, "hotspot.none"},
	} {
		if got := palette.Hotspot(tc.class, tc.conf); got != tc.want {
			t.Errorf("Hotspot(%q, %d) = %q, want %q", tc.class, tc.conf, got, tc.want)
		}
		if _, ok := palette.Get(tc.want); !ok {
			t.Errorf("no entry %q", tc.want)
		}
	}
}

// The first screen's promise: a place nobody patrolled is unmistakable on the
// light basemap and the residential-group fill, and it is not a hot spot.
func TestGapsStandOut(t *testing.T) {
	gap := palette.Fill("gap.never")
	for _, bg := range []string{"basemap.earth", "basemap.background", "area.residential_group", "basemap.building", "basemap.park", "basemap.water", "coverage.nights3"} {
		if d := deltaE(gap, palette.Fill(bg)); d < 40 {
			t.Errorf("gap.never %s vs %s %s: ΔE %.1f, want ≥ 40", gap, bg, palette.Fill(bg), d)
		}
	}
	for _, hot := range []string{"hot.99", "hot.95", "emerging.new_hot_spot", "emerging.intensifying_hot_spot"} {
		if d := deltaE(gap, palette.Fill(hot)); d < 20 {
			t.Errorf("gap.never %s vs %s %s: ΔE %.1f, want ≥ 20", gap, hot, palette.Fill(hot), d)
		}
	}
	if e, _ := palette.Get("gap.never"); e.Opacity < 0.5 {
		t.Errorf("gap.never opacity %v, want ≥ 0.5", e.Opacity)
	}
	if e, _ := palette.Get("area.residential_group"); e.Opacity > 0.08 {
		t.Errorf("residential groups filled at %v: they would compete with gaps", e.Opacity)
	}
}

// A ward has five officers: their tracks must not blur into one band.
func TestFirstEightTracksAreDistinguishable(t *testing.T) {
	const officers = 8
	for i := 0; i < officers; i++ {
		for j := i + 1; j < officers; j++ {
			a, b := palette.Track(i), palette.Track(j)
			if d := deltaE(a.Stroke, b.Stroke); d < 20 && a.Dash == b.Dash {
				t.Errorf("tracks %d %s and %d %s: ΔE %.1f with the same dash, want ≥ 20", i, a.Stroke, j, b.Stroke, d)
			}
		}
		if d := deltaE(palette.Track(i).Stroke, palette.Fill("basemap.earth")); d < 30 {
			t.Errorf("track %d %s vs land: ΔE %.1f, want ≥ 30", i, palette.Track(i).Stroke, d)
		}
	}
	if palette.Track(palette.Tracks()) != palette.Track(0) || palette.Track(-1) != palette.Track(palette.Tracks()-1) {
		t.Error("Track does not wrap around")
	}
}

func TestCoverageNights(t *testing.T) {
	for _, tc := range []struct {
		n, nights int
		want      string
	}{
		{0, 28, "coverage.nights0"}, {1, 28, "coverage.nights1"}, {7, 28, "coverage.nights2"},
		{14, 28, "coverage.nights2"}, {15, 28, "coverage.nights3"}, {3, 0, "coverage.nights3"},
	} {
		if got := palette.CoverageNights(tc.n, tc.nights); got != tc.want {
			t.Errorf("CoverageNights(%d, %d) = %s, want %s", tc.n, tc.nights, got, tc.want)
		}
	}
	if palette.Fill("coverage.nights0") != palette.Fill("gap.never") {
		t.Error("never-patrolled cells have two colours (coverage.nights0 ≠ gap.never)")
	}
}

func TestJSONIsTheEmbeddedFile(t *testing.T) {
	var f struct {
		Entries map[string]palette.Entry `json:"entries"`
	}
	if err := json.Unmarshal(palette.JSON(), &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) != len(palette.Keys()) {
		t.Fatalf("JSON has %d entries, Keys %d", len(f.Entries), len(palette.Keys()))
	}
	if palette.Fill("no.such") != "none" || palette.Meaning("no.such", "vi") != "no.such" {
		t.Error("unknown key not answered with none / the key")
	}
	if palette.Meaning("gap.never", "en") != "Never patrolled at night" || palette.Meaning("gap.never", "fr") != "Chưa tuần tra đêm nào" {
		t.Error("Meaning does not pick the language")
	}
}

func ExampleFill() {
	fmt.Println(palette.Fill(palette.Hotspot("hot", 99)), palette.Meaning("gap.never", "vi"))
	// Output: #b2182b Chưa tuần tra đêm nào
}

// deltaE is the CIE76 colour difference of two #rrggbb colours in CIELAB (D65).
func deltaE(a, b string) float64 {
	la, aa, ba := lab(a)
	lb, ab, bb := lab(b)
	return math.Sqrt((la-lb)*(la-lb) + (aa-ab)*(aa-ab) + (ba-bb)*(ba-bb))
}

func lab(hex string) (float64, float64, float64) {
	lin := func(s string) float64 {
		v, _ := strconv.ParseUint(s, 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	r, g, b := lin(hex[1:3]), lin(hex[3:5]), lin(hex[5:7])
	x := (0.4124*r + 0.3576*g + 0.1805*b) / 0.95047
	y := 0.2126*r + 0.7152*g + 0.0722*b
	z := (0.0193*r + 0.1192*g + 0.9505*b) / 1.08883
	f := func(t float64) float64 {
		if t > 216.0/24389 {
			return math.Cbrt(t)
		}
		return (24389.0/27*t + 16) / 116
	}
	fx, fy, fz := f(x), f(y), f(z)
	return 116*fy - 16, 500 * (fx - fy), 200 * (fy - fz)
}
