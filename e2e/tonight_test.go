package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/patrolmap/patrolmap/demo/load"
)

// insideNight is 02:30 in the demo ward on the morning of at's date: the night before is under
// way, its shifts partly patrolled.
func insideNight(at time.Time) time.Time {
	y, m, d := at.In(ict).Date()
	return time.Date(y, m, d, 2, 30, 0, 0, ict)
}

// TestPlanAndGapsAgreeTonight opens the plan card at 02:30, the night under way, today and on
// the awkward days (the 1st, the 31st, 29 February 2028, and the night Berlin's clocks go back
// with the browser in Europe/Berlin). The card plans the night in progress — the night of the
// day before, which the map's period (ending today) holds — and says so; today (after 05:00) it
// plans the coming night. The plan counts that night's visits so far: the card counts the key
// areas met on it (named, no stop) and due (the stops), as the night board of that night says at
// the same instant, each key-area stop with the board's status; the API's counts agree with
// /compliance and /gaps over the plan's period (the look-back and the planned night): below as
// /gaps lists them, open as /compliance has them, due those whose last night is not met. The
// fixed days' demo holds fixes until 02:30, so some key areas are still due and some met already
// (one of them below on an earlier night: met tonight, it is no target) on at least one of them.
func TestPlanAndGapsAgreeTonight(t *testing.T) {
	days := []testDay{{name: "today", now: today}}
	for _, at := range []time.Time{newYear, monthEnd, leapDay, dstEnd} {
		in := insideNight(at)
		d := testDay{name: in.Format("2006-01-02T1504"), now: onDay(in)}
		if at.Equal(dstEnd) {
			d.zone = dstZone
		}
		days = append(days, d)
	}
	var seen tonightSeen
	for _, d := range days {
		t.Run(d.name, func(t *testing.T) { seen.add(planAndGapsAgreeTonight(t, d)) })
	}
	if seen.Due == 0 || seen.Met == 0 || seen.MetAfterMiss == 0 {
		t.Errorf("on the fixed days at 02:30 the test saw %d key areas due, %d met tonight, %d met tonight after missing an earlier night; want some of each", seen.Due, seen.Met, seen.MetAfterMiss)
	}
}

// tonightSeen counts what the fixed days showed of the night in progress.
type tonightSeen struct{ Due, Met, MetAfterMiss int }

func (s *tonightSeen) add(o tonightSeen) {
	s.Due, s.Met, s.MetAfterMiss = s.Due+o.Due, s.Met+o.Met, s.MetAfterMiss+o.MetAfterMiss
}

// tonightCounts is what the API says of the key areas over the plan's period and night.
type tonightCounts struct {
	Below, Open, Due, Met int
}

// planNightOf is the night the card should plan at now: the night under way (before 05:00, the
// day before's), else the coming one.
func planNightOf(now time.Time) string {
	local := now.In(ict)
	if local.Hour() < 5 {
		local = local.AddDate(0, 0, -1)
	}
	return local.Format(time.DateOnly)
}

// planAndGapsAgreeTonight runs one day and returns what it saw on a fixed day.
func planAndGapsAgreeTonight(t *testing.T, d testDay) tonightSeen {
	env := loadDemo(t, d.now, false)
	ctx := context.Background()
	u, err := env.store.UserByUsername(ctx, "phantich")
	if err != nil {
		t.Fatal(err)
	}
	token, err := env.store.CreateToken(ctx, u.ID, "e2e")
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string, v any) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, env.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", path, res.StatusCode, body)
		}
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}

	b := newBrowser(t)
	b.setDay(t, d)
	b.run(t, "open", desktopScreen.emulate(), chromedp.Navigate(env.srv.URL+"/"), chromedp.WaitVisible(tid("login-form")))
	b.login(t, env.srv.URL, "admin", load.Password)
	b.run(t, "open the plan", chromedp.Click(tid("plan-open")))
	b.wait(t, "plan ready", `document.querySelector('[data-testid="plan-panel"]').dataset.state === 'ready'`)

	night := planNightOf(d.now())
	var cardNight struct{ Night, Title, Line, State string }
	b.eval(t, "the card's night", `({night: document.querySelector('[data-testid="plan-panel"]').dataset.night,
		title: document.querySelector('#plan-title').textContent,
		line: (document.querySelector('[data-testid="plan-night"]') || {}).textContent || '',
		state: ((document.querySelector('[data-testid="plan-night"]') || {}).dataset || {}).state || ''})`, &cardNight)
	nd, _ := time.Parse(time.DateOnly, night)
	wantState := "in_progress"
	if d.name == "today" && d.now().In(ict).Hour() >= 5 {
		wantState = "ahead"
		if d.now().In(ict).Hour() >= 22 {
			wantState = "in_progress"
		}
	}
	if cardNight.Night != night || !strings.Contains(cardNight.Title, nd.Format("02/01/2006")) || cardNight.State != wantState {
		t.Errorf("the card plans %q (%q, %q, state %q); want the night of %s, %s", cardNight.Night, cardNight.Title, cardNight.Line, cardNight.State, night, wantState)
	}

	var plan struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
		Plan struct {
			Night    string         `json:"night"`
			From     string         `json:"gaps_from"`
			To       string         `json:"gaps_to"`
			AsOf     string         `json:"as_of"`
			Expected map[string]any `json:"expected_gain"`
			Tonight  struct {
				State    string `json:"state"`
				KeyAreas int    `json:"key_areas"`
				Met      int    `json:"met"`
				Due      int    `json:"due"`
				Pending  int    `json:"pending"`
				Overdue  int    `json:"overdue"`
				Missed   int    `json:"missed"`
				MetAreas []struct {
					Name string `json:"name"`
				} `json:"met_areas"`
			} `json:"tonight"`
		} `json:"plan"`
	}
	get("/api/v1/plan?unit=demo&night="+night, &plan)
	num := func(k string) int { return int(plan.Plan.Expected[k].(float64)) }
	api := tonightCounts{Below: num("key_areas_below"), Open: num("key_areas_open"), Due: num("key_areas_due"), Met: num("key_areas_met")}
	type stopState struct{ Name, Status string }
	var apiStops []stopState
	for _, f := range plan.Features {
		if p := f.Properties; p["role"] == "stop" && p["kind"] == "key_area" {
			apiStops = append(apiStops, stopState{p["name"].(string), p["night_status"].(string)})
		}
	}

	q := url.Values{"unit": {"demo"}, "from": {plan.Plan.From}, "to": {plan.Plan.To}}
	var comp struct {
		Features []struct {
			Properties struct {
				Name         string `json:"name"`
				NightsMet    int    `json:"nights_met"`
				NightsJudged int    `json:"nights_judged"`
				Nights       []struct {
					Meets bool `json:"meets"`
					Open  bool `json:"open"`
				} `json:"nights"`
			} `json:"properties"`
		} `json:"features"`
	}
	get("/api/v1/compliance?"+q.Encode(), &comp)
	var want tonightCounts
	var seen tonightSeen
	missedBefore := map[string]bool{}
	for _, f := range comp.Features {
		p := f.Properties
		open := false
		for _, n := range p.Nights {
			open = open || n.Open
		}
		if open {
			want.Open++
		}
		if p.NightsMet < p.NightsJudged {
			want.Below++
		}
		for _, n := range p.Nights[:len(p.Nights)-1] {
			missedBefore[p.Name] = missedBefore[p.Name] || (!n.Meets && !n.Open)
		}
		if last := p.Nights[len(p.Nights)-1]; last.Meets {
			want.Met++
			seen.Met++
			if missedBefore[p.Name] {
				seen.MetAfterMiss++
			}
		} else {
			want.Due++
			seen.Due++
		}
	}
	var gaps struct {
		Features []struct {
			Properties struct {
				Kind string `json:"kind"`
			} `json:"properties"`
		} `json:"features"`
	}
	q.Set("min_nights", "1")
	get("/api/v1/gaps?"+q.Encode(), &gaps)
	listed := 0
	for _, f := range gaps.Features {
		if f.Properties.Kind == "area" {
			listed++
		}
	}
	var board struct {
		Areas []struct {
			Name   string `json:"name"`
			Status string `json:"status"`
		} `json:"areas"`
	}
	get("/api/v1/night?unit=demo&night="+night, &board)
	boardOf := map[string]string{}
	boardCount := map[string]int{}
	for _, a := range board.Areas {
		boardOf[a.Name] = a.Status
		boardCount[a.Status]++
	}
	t.Logf("night %s, period %s–%s as of %s: plan below %d open %d due %d met %d (%d key-area stops); /compliance below %d open %d due %d met %d; /gaps %d key areas; board %v",
		plan.Plan.Night, plan.Plan.From, plan.Plan.To, plan.Plan.AsOf, api.Below, api.Open, api.Due, api.Met, len(apiStops), want.Below, want.Open, want.Due, want.Met, listed, boardCount)
	if api != want || listed != want.Below {
		t.Errorf("key areas: plan %+v; /compliance %+v; /gaps lists %d", api, want, listed)
	}
	tn := plan.Plan.Tonight
	if tn.State != wantState || tn.Met != boardCount["met"] || tn.Pending != boardCount["pending"] || tn.Overdue != boardCount["overdue"] ||
		tn.Missed != boardCount["missed"] || tn.Due != want.Due || tn.KeyAreas != len(board.Areas) {
		t.Errorf("plan tonight %+v; the board of %s at the same instant %v", tn, night, boardCount)
	}
	for _, m := range tn.MetAreas {
		if boardOf[m.Name] != "met" {
			t.Errorf("the plan counts %s met tonight; the board says %s", m.Name, boardOf[m.Name])
		}
	}
	for _, st := range apiStops {
		if st.Status == "met" || st.Status != boardOf[st.Name] {
			t.Errorf("key-area stop %s is %s; the board says %s", st.Name, st.Status, boardOf[st.Name])
		}
	}

	var card struct {
		Gain, Areas, Met, Text string
		Stops                  []stopState
	}
	b.eval(t, "the card", `({text: document.querySelector('[data-testid="plan-panel"]').textContent,
		gain: document.querySelector('[data-testid="plan-gain"]').textContent,
		areas: (document.querySelector('[data-testid="plan-gain-areas"]') || {}).textContent || '',
		met: (document.querySelector('[data-testid="plan-met-areas"]') || {}).textContent || '',
		stops: [...document.querySelectorAll('[data-testid="plan-stops"] > li')].filter((li) => li.querySelector('[data-testid="plan-stop-status"]'))
			.map((li) => ({name: li.dataset.name, status: li.querySelector('[data-testid="plan-stop-status"]').dataset.status}))})`, &card)
	if strings.Contains(card.Text, "null") || strings.Contains(card.Text, "undefined") || strings.Contains(card.Text, "NaN") {
		t.Errorf("the card reads %q", card.Text)
	}
	if !strings.Contains(card.Gain, fmt.Sprintf("/%d khu vực trọng điểm cần tuần tra", want.Due)) || strings.Contains(card.Gain, "chưa đạt") {
		t.Errorf("gain line %q; want %d key areas due a patrol, none called below requirement", card.Gain, want.Due)
	}
	line := fmt.Sprintf("Khu vực trọng điểm trong đêm: đã đạt %d/%d · cần tuần tra %d", tn.Met, tn.KeyAreas, tn.Due)
	if tn.Overdue > 0 {
		line += fmt.Sprintf(" · quá hạn %d", tn.Overdue)
	}
	if tn.Missed > 0 {
		line += fmt.Sprintf(" · bỏ sót %d", tn.Missed)
	}
	if card.Areas != line+"." {
		t.Errorf("key-area line %q; want %q", card.Areas, line+".")
	}
	for _, m := range tn.MetAreas {
		if !strings.Contains(card.Met, m.Name) {
			t.Errorf("the card's met line %q does not name %s", card.Met, m.Name)
		}
	}
	if len(card.Stops) != len(apiStops) {
		t.Errorf("the card marks %v; the plan's key-area stops are %v", card.Stops, apiStops)
	} else {
		for i := range apiStops {
			if card.Stops[i] != apiStops[i] {
				t.Errorf("the card's stop %v; the plan's %v", card.Stops[i], apiStops[i])
			}
		}
	}
	b.screenshot(t, "plan-tonight-open"+dayTag(d))
	// On a phone the card still says which night it plans, whole, within the screen.
	b.run(t, "phone", chromedp.EmulateViewport(390, 844))
	b.run(t, "settle", chromedp.Sleep(300*time.Millisecond))
	var fits bool
	b.eval(t, "night line on a phone", `(() => { const r = document.querySelector('[data-testid="plan-night"]').getBoundingClientRect();
		return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth; })()`, &fits)
	if !fits {
		t.Errorf("on a 390 px phone the card's night line is not within the screen")
	}
	b.screenshot(t, "plan-tonight-open-phone"+dayTag(d))
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
	if d.name == "today" {
		return tonightSeen{}
	}
	return seen
}
