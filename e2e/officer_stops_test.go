package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/patrolmap/patrolmap/demo/load"
)

// TestOfficerStopsOnOneRoad: the officer view on a 390×844 phone lists tonight's suggested stops;
// neighbouring gap stops on one lane lie on one road (the plan's road: "Ngõ 11 Lê Hồng Phong"
// twice, their names telling them apart by their incidents), so the second of them says how far
// on from the one before it it lies, in metres along the route, in Vietnamese and in English. No
// two stops in a row read the same.
func TestOfficerStopsOnOneRoad(t *testing.T) {
	env := loadDemo(t, today, false)
	b := newBrowser(t)
	b.run(t, "sign in on the officer view", phoneScreen.emulate(),
		chromedp.Navigate(env.srv.URL+"/officer/"), chromedp.WaitVisible(tid("officer-login")),
		chromedp.SendKeys(`[data-testid="officer-username"]`, env.ward.Officers[0].Username),
		chromedp.SendKeys(`[data-testid="officer-password"]`, load.Password),
		chromedp.Click(`[data-testid="officer-login-submit"]`),
		chromedp.WaitVisible(`body[data-ready="true"]`))
	type stop struct {
		No, Name, Repeat, Text string
	}
	read := func() []stop {
		var stops []stop
		b.eval(t, "the stops", `[...document.querySelectorAll('[data-testid="officer-stop"]')].map((li) => ({
			no: li.querySelector('.stop-no').textContent, name: li.querySelector('.stop-name').textContent,
			repeat: (li.querySelector('[data-testid="officer-stop-repeat"]') || {}).textContent || '',
			text: li.querySelector('.stop-body').textContent}))`, &stops)
		return stops
	}
	// The plan as the server gives it: where each stop lies along the route.
	var plan struct {
		Features []struct {
			Properties struct {
				Role   string
				Order  any // a stop's number; the route's is a word
				Name   string
				Road   string
				AlongM *float64 `json:"along_m"`
			}
		}
	}
	var night string
	b.eval(t, "tonight", `fetch('/api/v1/night?unit=demo').then((r) => r.json()).then((b) => b.night)`, &night)
	b.fetchJSON(t, "/api/v1/plan?unit=demo&night="+night, &plan)
	along := map[string]float64{}
	road := map[string]string{}
	for _, f := range plan.Features {
		if f.Properties.Role == "stop" && f.Properties.AlongM != nil {
			along[fmt.Sprint(f.Properties.Order)] = *f.Properties.AlongM
		}
		if f.Properties.Role == "stop" {
			road[fmt.Sprint(f.Properties.Order)] = f.Properties.Road
		}
	}
	// place is where a stop lies: its road, else its name.
	place := func(s stop) string {
		if r := road[s.No]; r != "" {
			return r
		}
		return s.Name
	}

	for _, lang := range []struct{ name, onFrom string }{{"vi", "đi tiếp %s m từ điểm %s"}, {"en", "%s m on from stop %s"}} {
		if lang.name == "en" {
			b.run(t, "switch to English", chromedp.Click(`[data-testid="officer-lang"]`))
			b.wait(t, "English", `document.documentElement.lang === 'en'`)
		}
		stops := read()
		repeats := 0
		for i := 1; i < len(stops); i++ {
			prev, s := stops[i-1], stops[i]
			if s.Text == prev.Text {
				t.Errorf("%s: stops %s and %s read the same: %q", lang.name, prev.No, s.No, s.Text)
			}
			if place(s) != place(prev) {
				if s.Repeat != "" {
					t.Errorf("%s: stop %s (%s) follows %s (%s) yet says %q", lang.name, s.No, s.Name, prev.No, prev.Name, s.Repeat)
				}
				continue
			}
			repeats++
			metres := int((along[s.No]-along[prev.No])/10+0.5) * 10
			written := fmtThousands(metres) // 1,400 in English
			if lang.name == "vi" {
				written = strings.ReplaceAll(written, ",", ".") // 1.400
			}
			if want := fmt.Sprintf(lang.onFrom, written, prev.No); s.Repeat != want {
				t.Errorf("%s: stop %s, on the road of stop %s (%s), says %q, want %q", lang.name, s.No, prev.No, place(s), s.Repeat, want)
			}
		}
		if repeats == 0 {
			t.Fatalf("%s: tonight's demo plan has no neighbouring stops on one road (%d stops); the test needs some", lang.name, len(stops))
		}
		t.Logf("%s: %d stops, %d on the road of the one before", lang.name, len(stops), repeats)
		viewShot(t, b, "officer-390-stops-"+lang.name, `[data-testid="officer-stops"]`)
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}
