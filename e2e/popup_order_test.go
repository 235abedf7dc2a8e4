package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/patrolmap/patrolmap/demo/load"
)

// TestGapPopupOpensWithWhy clicks a never-patrolled (magenta) cell that the emerging layer, drawn
// over it, finds no pattern in: emerging draws such a cell see-through yet takes the click, and
// its popup opened with "Emerging hot spots: No pattern" and a flat chart, the gap's reason below
// the fold. The popup must open with the gap's own section, in Vietnamese and in English. The
// gaps legend shows each risk tier in its own shade.
func TestGapPopupOpensWithWhy(t *testing.T) {
	env := loadDemo(t, today, false)
	b := newBrowser(t)
	b.login(t, env.srv.URL, "admin", load.Password)
	for _, lang := range []string{"vi", "en"} {
		t.Run(lang, func(t *testing.T) {
			if lang == "en" {
				b.run(t, "English", chromedp.Click(tid("lang-toggle")))
				b.wait(t, "English", `document.documentElement.lang === 'en' && document.body.dataset.ready === 'true'`)
			}
			b.waitLayer(t, "gaps")
			b.waitLayer(t, "emerging")
			// The gaps legend tells its risk tiers apart: they differ only by the fill's
			// opacity, and the swatches once showed one magenta three times.
			var swatches []string
			b.eval(t, "gap legend", `[...document.querySelectorAll('[data-testid="layer-legend-gaps"] .swatch-box')]
				.filter((s) => !s.style.borderStyle.includes('dashed')).map((s) => getComputedStyle(s).backgroundColor)`, &swatches)
			seen := map[string]bool{}
			for _, c := range swatches {
				seen[c] = true
			}
			if len(swatches) < 2 || len(seen) != len(swatches) {
				t.Errorf("gap legend swatches %v: want each risk tier in its own shade", swatches)
			}
			// Cells whose centre shows on the map (not under the strip or a label) and takes a
			// click on the hexagons.
			var cells []struct {
				Cell     string
				Lat, Lng float64
			}
			b.eval(t, "gap cells of no pattern", `(() => {
				const hit = `+hitsHexagons+`;
				const quiet = new Set(window.patrolmapTest.cellsOf('emerging').filter((c) => c.category === 'no_pattern').map((c) => c.cell));
				const out = [];
				for (const c of window.patrolmapTest.cellsOf('gaps')) {
					if (!quiet.has(c.cell)) continue;
					const p = window.patrolmapTest.point(c.lat, c.lng);
					const el = document.elementFromPoint(p.x, p.y);
					if (el && hit(el)) out.push(c);
					if (out.length === 8) break;
				}
				return out;
			})()`, &cells)
			if len(cells) == 0 {
				t.Fatal("no gap cell without an emerging pattern in view: the test needs one")
			}
			quiet := map[string]bool{}
			for _, c := range cells {
				quiet[c.Cell] = true
			}
			checked := 0
			for _, c := range cells {
				// A popup's auto-pan moves the map: find the cell's place again.
				var at *struct{ X, Y float64 }
				b.eval(t, "the cell's place", fmt.Sprintf(`(() => { const hit = %s; const p = window.patrolmapTest.point(%v, %v);
					const el = document.elementFromPoint(p.x, p.y); return el && hit(el) ? p : null; })()`, hitsHexagons, c.Lat, c.Lng), &at)
				if at == nil {
					continue
				}
				b.run(t, "click the cell", chromedp.MouseClickXY(at.X, at.Y))
				b.wait(t, "popup", `document.querySelector('.leaflet-popup [data-testid="feature-popup"]')`)
				var popup struct {
					Cell     string
					Sections []string
				}
				b.eval(t, "popup", `(() => { const p = document.querySelector('.leaflet-popup [data-testid="feature-popup"]');
					return {cell: p.dataset.cell, sections: [...p.querySelectorAll('.popup-section')].map((s) => s.dataset.layer)}; })()`, &popup)
				b.closePopup(t)
				if !quiet[popup.Cell] {
					continue // the click reached a neighbour
				}
				checked++
				if len(popup.Sections) < 2 || popup.Sections[0] != "gaps" {
					t.Errorf("gap cell %s of no emerging pattern: the popup's sections are %v, want gaps first", popup.Cell, popup.Sections)
				}
				if checked == 3 {
					break
				}
			}
			if checked == 0 {
				t.Fatal("no click reached one of the chosen cells")
			}
		})
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

// TestAreaPopupFactsReadable opens a key area's popup at 1280×860 in English, where the longest
// term ("Nights meeting the requirement") took the terms' column to its full width and squeezed
// the values to a few letters a line ("Ke / y ar / ea"). Every value must have at least a third
// of the list's width, in both languages.
func TestAreaPopupFactsReadable(t *testing.T) {
	env := loadDemo(t, today, false)
	b := newBrowser(t)
	b.login(t, env.srv.URL, "admin", load.Password)
	var areas struct {
		Features []struct {
			Geometry struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
			Properties struct{ Kind, Name string } `json:"properties"`
		} `json:"features"`
	}
	b.fetchJSON(t, "/api/v1/areas?unit=demo", &areas)
	var lat, lng float64
	for _, f := range areas.Features {
		if f.Properties.Kind != "key_area" || f.Geometry.Type != "Polygon" || strings.Contains(strings.ToLower(f.Properties.Name), "trụ sở") {
			continue
		}
		var rings [][][]float64
		if err := json.Unmarshal(f.Geometry.Coordinates, &rings); err != nil {
			t.Fatal(err)
		}
		ring := rings[0]
		for _, p := range ring[:len(ring)-1] {
			lng += p[0] / float64(len(ring)-1)
			lat += p[1] / float64(len(ring)-1)
		}
		break
	}
	if lat == 0 {
		t.Fatal("no key area polygon in the demo ward")
	}
	for _, lang := range []string{"vi", "en"} {
		t.Run(lang, func(t *testing.T) {
			if lang == "en" {
				b.run(t, "English", chromedp.Click(tid("lang-toggle")))
				b.wait(t, "English", `document.documentElement.lang === 'en' && document.body.dataset.ready === 'true'`)
			}
			x, y := b.pointNear(t, lat, lng, hitsAreas)
			b.run(t, "click the area", chromedp.MouseClickXY(x, y))
			b.wait(t, "area popup", `document.querySelector('.leaflet-popup [data-testid="area-popup"] .facts dd')`)
			var facts struct {
				List   float64
				Narrow []string
			}
			b.eval(t, "facts", `(() => { const dl = document.querySelector('.leaflet-popup [data-testid="area-popup"] .facts');
				const w = dl.getBoundingClientRect().width;
				return {list: w, narrow: [...dl.querySelectorAll('dd')].filter((d) => d.getBoundingClientRect().width < w / 3)
					.map((d) => d.textContent + ' (' + Math.round(d.getBoundingClientRect().width) + ' px)')}; })()`, &facts)
			b.screenshot(t, "area-popup-"+lang)
			b.closePopup(t)
			if len(facts.Narrow) > 0 {
				t.Errorf("values squeezed into less than a third of the %.0f px list: %v", facts.List, facts.Narrow)
			}
		})
	}
}
