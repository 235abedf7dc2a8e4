package api_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/app/night"
)

// nightBoard is the answer of GET /api/v1/night.
type nightBoard struct {
	Night string `json:"night"`
	At    string `json:"at"`
	Areas []struct {
		AreaID    int64     `json:"area_id"`
		Name      string    `json:"name"`
		Required  int       `json:"required"`
		Visits    int       `json:"visits"`
		DwellMin  []float64 `json:"dwell_min"`
		Status    string    `json:"status"`
		LastVisit *string   `json:"last_visit"`
		Deadline  *string   `json:"deadline"`
		Officers  []string  `json:"officers"`
		Passes    []struct {
			DwellMin float64 `json:"dwell_min"`
			Counts   bool    `json:"counts"`
		} `json:"passes"`
	} `json:"areas"`
	Hotspots []struct {
		Cell          string  `json:"cell"`
		Visits        int     `json:"visits"`
		LongestGapMin float64 `json:"longest_gap_min"`
		DosageMet     bool    `json:"dosage_met"`
	} `json:"hotspots"`
}

func (b nightBoard) status() map[string]string {
	out := map[string]string{}
	for _, a := range b.Areas {
		out[a.Name] = a.Status
	}
	return out
}

// squareAround is a GeoJSON Polygon about 20 m across around a spot.
func squareAround(s spot) string {
	c := s.pt
	const d = 0.0001
	return fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%f,%f],[%f,%f],[%f,%f],[%f,%f],[%f,%f]]]}`,
		c[0]-d, c[1]-d, c[0]+d, c[1]-d, c[0]+d, c[1]+d, c[0]-d, c[1]+d, c[0]-d, c[1]-d)
}

// createKeyArea posts a key area with a minimum dwell of 10 min and an optional deadline.
func createKeyArea(t *testing.T, e *testEnv, name string, s spot, deadline string) int64 {
	t.Helper()
	dl := "null"
	if deadline != "" {
		dl = `"` + deadline + `"`
	}
	r := e.as("analyst1", "POST", "/api/v1/areas?unit=w1", `{"type":"Feature","geometry":`+squareAround(s)+
		`,"properties":{"kind":"key_area","name":"`+name+`","required_night_visits":1,"min_dwell_min":10,"deadline":`+dl+`}}`)
	if r.status != 201 {
		t.Fatalf("create area %s: %d %s", name, r.status, r.body)
	}
	var a struct {
		ID         int64
		Properties struct{ Deadline *string }
	}
	r.json(t, &a)
	if (deadline == "") != (a.Properties.Deadline == nil) {
		t.Fatalf("area %s deadline %v, want %q", name, a.Properties.Deadline, deadline)
	}
	return a.ID
}

func getBoard(t *testing.T, e *testEnv, user, night string, at time.Time) nightBoard {
	t.Helper()
	r := e.as(user, "GET", "/api/v1/night?unit=w1&night="+night+"&at="+url.QueryEscape(at.Format(time.RFC3339)), nil)
	if r.status != 200 {
		t.Fatalf("night board: %d %s", r.status, r.body)
	}
	var b nightBoard
	r.json(t, &b)
	return b
}

// TestNightBoardReplayed replays the night of 29 February 2024 (to 1 March) with crafted fixes:
// Chợ met by a 12-minute stay ending 23:10; Trường only passed by (2 minutes, under its 10-minute
// minimum) with a deadline of 00:30; Công trường never visited, with the unit's default deadline
// 02:00. The board is read at several instants.
func TestNightBoardReplayed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.device("w1", "night-a", "")
	r := e.as("admin", "PUT", "/api/v1/units/w1", map[string]any{"name": "Phường w1", "night_deadline": "02:00"})
	if r.status != 200 {
		t.Fatalf("set the unit's deadline: %d %s", r.status, r.body)
	}
	cho, truong, cong := newSpot(t, "Chợ", 105.8480, 21.4680), newSpot(t, "Trường", 105.8520, 21.4690), newSpot(t, "CT", 105.8500, 21.4720)
	createKeyArea(t, e, "Chợ", cho, "23:30")
	truongID := createKeyArea(t, e, "Trường", truong, "")
	createKeyArea(t, e, "Công trường", cong, "")
	// Trường's deadline is set afterwards, through PUT.
	r = e.as("analyst1", "PUT", fmt.Sprintf("/api/v1/areas/%d", truongID), `{"type":"Feature","geometry":`+squareAround(truong)+
		`,"properties":{"kind":"key_area","name":"Trường","required_night_visits":1,"min_dwell_min":10,"deadline":"00:30"}}`)
	if r.status != 200 {
		t.Fatalf("put deadline: %d %s", r.status, r.body)
	}
	var fixes []map[string]any
	fixes = append(fixes, stay("night-a", cho, at(2, 29, 22, 58, 0), at(2, 29, 23, 10, 0), 30*time.Second)...)
	fixes = append(fixes, stay("night-a", truong, at(2, 29, 23, 20, 0), at(2, 29, 23, 22, 0), 30*time.Second)...)
	postFixes(t, e, fixes)

	for _, tc := range []struct {
		at          time.Time
		cho, tr, ct string
	}{
		{at(2, 29, 22, 30, 0), "pending", "pending", "pending"},
		{at(2, 29, 23, 5, 0), "pending", "pending", "pending"},
		{at(2, 29, 23, 11, 0), "met", "pending", "pending"},
		{at(3, 1, 0, 29, 0), "met", "pending", "pending"},
		{at(3, 1, 0, 30, 0), "met", "overdue", "pending"},
		{at(3, 1, 2, 0, 0), "met", "overdue", "overdue"},
		{at(3, 1, 5, 0, 0), "met", "missed", "missed"},
	} {
		b := getBoard(t, e, "officer1", "2024-02-29", tc.at)
		got := b.status()
		if got["Chợ"] != tc.cho || got["Trường"] != tc.tr || got["Công trường"] != tc.ct {
			t.Errorf("at %s: %v, want Chợ %s, Trường %s, Công trường %s", tc.at.Format("15:04"), got, tc.cho, tc.tr, tc.ct)
		}
		if b.Night != "2024-02-29" {
			t.Errorf("night %q", b.Night)
		}
	}
	b := getBoard(t, e, "officer1", "2024-02-29", at(3, 1, 5, 0, 0))
	for _, a := range b.Areas {
		switch a.Name {
		case "Chợ":
			if a.Visits != 1 || len(a.DwellMin) != 1 || a.DwellMin[0] < 11.9 || a.DwellMin[0] > 12.1 || a.LastVisit == nil ||
				*a.LastVisit != at(2, 29, 23, 10, 0).UTC().Format(time.RFC3339) || len(a.Officers) != 1 || a.Officers[0] != "night-a" {
				t.Errorf("Chợ: %+v", a)
			}
		case "Trường":
			if a.Visits != 0 || len(a.Passes) != 1 || a.Passes[0].Counts || a.Passes[0].DwellMin > 2.1 || a.Deadline == nil || *a.Deadline != "00:30" {
				t.Errorf("Trường: %+v", a)
			}
		case "Công trường":
			if a.Visits != 0 || len(a.Passes) != 0 || a.Deadline == nil || *a.Deadline != "02:00" {
				t.Errorf("Công trường: %+v", a)
			}
		}
	}

	// The same visits as /compliance counts for that night.
	r = e.as("officer1", "GET", "/api/v1/compliance?unit=w1&from=2024-02-29&to=2024-03-01", nil)
	var comp struct {
		Features []struct {
			Properties struct {
				Name   string
				Nights []struct{ Visits int }
			}
		}
	}
	r.json(t, &comp)
	for _, f := range comp.Features {
		want := 0
		if f.Properties.Name == "Chợ" {
			want = 1
		}
		if len(f.Properties.Nights) != 1 || f.Properties.Nights[0].Visits != want {
			t.Errorf("compliance of %s: %+v, want %d visits", f.Properties.Name, f.Properties.Nights, want)
		}
	}
}

func TestNightBoardInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k := newSpot(t, "K", 105.8500, 21.4700)
	for _, tc := range []struct{ deadline, field string }{
		{`"12:00"`, "deadline"}, {`"22:00"`, "deadline"}, {`"2am"`, "deadline"}, {`"25:00"`, "deadline"},
	} {
		r := e.as("analyst1", "POST", "/api/v1/areas?unit=w1", `{"type":"Feature","geometry":`+squareAround(k)+
			`,"properties":{"kind":"key_area","name":"X","deadline":`+tc.deadline+`}}`)
		wantProblem(t, r, 400, tc.field)
	}
	r := e.as("admin", "PUT", "/api/v1/units/w1", map[string]any{"name": "Phường w1", "night_deadline": "06:00"})
	wantProblem(t, r, 400, "night_deadline")

	for _, tc := range []struct{ query, field string }{
		{"unit=w1&night=2024-02-30", "night"},
		{"unit=w1&night=yesterday", "night"},
		{"unit=w1&night=2024-02-29&at=02:00", "at"},
		{"unit=w1&max_gap_min=0", "max_gap_min"},
		{"unit=w1&min_dwell_min=x", "min_dwell_min"},
		{"unit=nope", "unit"},
	} {
		r := e.as("officer1", "GET", "/api/v1/night?"+tc.query, nil)
		status := 400
		if tc.field == "unit" {
			status = 404
		}
		if r.status != status {
			t.Errorf("%s: %d %s", tc.query, r.status, r.body)
			continue
		}
		wantProblem(t, r, status, tc.field)
	}
	if r := e.as("analyst2", "GET", "/api/v1/night?unit=w1", nil); r.status != 403 {
		t.Errorf("another unit's analyst: %d", r.status)
	}
	if r := e.do("GET", "/api/v1/night?unit=w1", "", nil); r.status != 401 {
		t.Errorf("anonymous: %d", r.status)
	}
	// Without night and at: tonight as of now, no fixes, nothing failing.
	r = e.as("officer1", "GET", "/api/v1/night?unit=w1", nil)
	if r.status != 200 {
		t.Fatalf("tonight: %d %s", r.status, r.body)
	}
}

// TestNightAlertsOnceAcrossRestart runs the deadline scheduler on the real store over the
// replayed night, restarts it (a new scheduler without memory) and runs two at once: exactly
// one alert per overdue area. Then the alerts are listed and acknowledged.
func TestNightAlertsOnceAcrossRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.device("w1", "night-b", "")
	r := e.as("admin", "PUT", "/api/v1/units/w1", map[string]any{"name": "Phường w1", "night_deadline": "02:00"})
	if r.status != 200 {
		t.Fatalf("set the unit's deadline: %d %s", r.status, r.body)
	}
	cho, truong, cong := newSpot(t, "Chợ", 105.8480, 21.4680), newSpot(t, "Trường", 105.8520, 21.4690), newSpot(t, "CT", 105.8500, 21.4720)
	createKeyArea(t, e, "Chợ", cho, "23:30")
	createKeyArea(t, e, "Trường", truong, "00:30")
	createKeyArea(t, e, "Công trường", cong, "")
	var fixes []map[string]any
	fixes = append(fixes, stay("night-b", cho, at(3, 31, 22, 58, 0), at(3, 31, 23, 10, 0), 30*time.Second)...)
	fixes = append(fixes, stay("night-b", truong, at(3, 31, 23, 20, 0), at(3, 31, 23, 22, 0), 30*time.Second)...)
	postFixes(t, e, fixes)

	ctx := context.Background()
	tick := func(s *night.Alerts, from, to time.Time, step time.Duration) int {
		n := 0
		for now := from; now.Before(to); now = now.Add(step) {
			got, err := s.Tick(ctx, now)
			if err != nil {
				t.Fatalf("tick %v: %v", now, err)
			}
			n += len(got)
		}
		return n
	}
	if n := tick(&night.Alerts{Repo: e.store}, at(3, 31, 22, 0, 0), at(4, 1, 1, 0, 0), 5*time.Minute); n != 1 {
		t.Fatalf("first run raised %d alerts, want 1 (Trường)", n)
	}
	// Restart, and a second server beside it.
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts[i] = tick(&night.Alerts{Repo: e.store}, at(4, 1, 0, 0, 0), at(4, 1, 6, 0, 0), 5*time.Minute)
		}()
	}
	wg.Wait()
	if counts[0]+counts[1] != 1 {
		t.Fatalf("after the restart the two schedulers raised %v alerts, want 1 in all (Công trường)", counts)
	}

	r = e.as("officer1", "GET", "/api/v1/alerts?unit=w1&from=2024-03-31&to=2024-04-01", nil)
	if r.status != 200 {
		t.Fatalf("alerts: %d %s", r.status, r.body)
	}
	var list struct {
		Alerts []struct {
			ID             int64   `json:"id"`
			AreaID         int64   `json:"area_id"`
			AreaName       string  `json:"area_name"`
			Night          string  `json:"night"`
			DeadlineAt     string  `json:"deadline_at"`
			RaisedAt       string  `json:"raised_at"`
			AcknowledgedBy *string `json:"acknowledged_by"`
			AcknowledgedAt *string `json:"acknowledged_at"`
		} `json:"alerts"`
	}
	r.json(t, &list)
	if len(list.Alerts) != 2 || list.Alerts[0].AreaName != "Trường" || list.Alerts[1].AreaName != "Công trường" {
		t.Fatalf("alerts %s", r.body)
	}
	tr := list.Alerts[0]
	if tr.Night != "2024-03-31" || tr.DeadlineAt != "2024-03-31T17:30:00Z" || tr.RaisedAt != "2024-03-31T17:30:00Z" || tr.AcknowledgedBy != nil {
		t.Errorf("Trường alert %+v", tr)
	}
	if r := e.as("analyst1", "GET", "/api/v1/alerts?unit=w1&from=2024-04-01&to=2024-04-02", nil); r.status != 200 || strings.Contains(string(r.body), "Trường") {
		t.Errorf("next night's alerts: %d %s", r.status, r.body)
	}

	ack := fmt.Sprintf("/api/v1/alerts/%d/ack", tr.ID)
	if r := e.as("analyst2", "POST", ack, nil); r.status != 403 {
		t.Errorf("another unit acknowledges: %d %s", r.status, r.body)
	}
	r = e.as("officer1", "POST", ack, nil)
	if r.status != 200 {
		t.Fatalf("ack: %d %s", r.status, r.body)
	}
	var acked struct {
		AcknowledgedBy *string `json:"acknowledged_by"`
		AcknowledgedAt *string `json:"acknowledged_at"`
	}
	r.json(t, &acked)
	if acked.AcknowledgedBy == nil || *acked.AcknowledgedBy != "officer1" || acked.AcknowledgedAt == nil {
		t.Fatalf("acknowledged %s", r.body)
	}
	wantProblem(t, e.as("admin", "POST", ack, nil), 409, "")
	wantProblem(t, e.as("admin", "POST", "/api/v1/alerts/999999/ack", nil), 404, "")
	wantProblem(t, e.as("officer1", "GET", "/api/v1/alerts?unit=w1&from=2024-04-01&to=2024-03-01", nil), 400, "to")

	// The morning handover: archived once, 10 minutes after the night ends, across a restart.
	r = e.as("analyst1", "POST", "/api/v1/incidents?unit=w1", map[string]any{"incidents": []map[string]any{
		{"time": at(4, 1, 1, 30, 0).UTC().Format(time.RFC3339), "lat": cong.pt[1], "lon": cong.pt[0], "category": "theft", "description": "Mất xe máy"}}})
	if r.status != 200 {
		t.Fatalf("incident: %d %s", r.status, r.body)
	}
	archived := 0
	for _, s := range []*night.Scheduler{night.NewScheduler(e.store, nil), night.NewScheduler(e.store, nil)} {
		for now := at(4, 1, 5, 0, 0); now.Before(at(4, 1, 6, 0, 0)); now = now.Add(5 * time.Minute) {
			got, err := s.Handovers.Tick(ctx, now)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range got {
				if h.Night == "2024-03-31" && h.UnitCode == "w1" {
					archived++
				}
			}
		}
	}
	if archived != 1 {
		t.Fatalf("%d handovers archived for the night, want 1", archived)
	}
	r = e.as("officer1", "GET", "/api/v1/handovers?unit=w1", nil)
	var hl struct {
		Handovers []struct {
			ID    int64  `json:"id"`
			Night string `json:"night"`
			HTML  string `json:"html"`
		} `json:"handovers"`
	}
	r.json(t, &hl)
	if r.status != 200 || len(hl.Handovers) == 0 || hl.Handovers[0].Night != "2024-03-31" {
		t.Fatalf("handovers: %d %s", r.status, r.body)
	}
	r = e.as("officer1", "GET", fmt.Sprintf("/api/v1/handovers/%d", hl.Handovers[0].ID), nil)
	var content struct {
		Summary map[string]int `json:"summary"`
		Alerts  []struct {
			AcknowledgedBy string `json:"acknowledged_by"`
		}
		Incidents []struct{ Category string }
		Patrol    struct{ Km, Hours float64 }
	}
	r.json(t, &content)
	if content.Summary["met"] != 1 || content.Summary["missed"] != 2 || len(content.Alerts) != 2 || content.Alerts[0].AcknowledgedBy != "officer1" ||
		len(content.Incidents) != 1 || content.Patrol.Hours < 0.2 {
		t.Errorf("handover %s", r.body)
	}
	r = e.as("officer1", "GET", hl.Handovers[0].HTML, nil)
	page := string(r.body)
	if r.status != 200 || !strings.Contains(page, "Báo cáo giao ca sáng") || !strings.Contains(page, "Trường") ||
		!strings.Contains(page, "31/03/2024") || !strings.Contains(page, "trộm cắp tài sản") || !strings.Contains(page, "officer1") {
		t.Errorf("handover page: %d %s", r.status, page)
	}
	saveArtifact(t, "night-handover.html", r.body)
	r = e.as("officer1", "GET", fmt.Sprintf("/api/v1/handovers/%d?format=pdf", hl.Handovers[0].ID), nil)
	if r.status != 200 || r.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(r.body), "%PDF-") {
		t.Errorf("handover PDF: %d %s %.40q", r.status, r.header.Get("Content-Type"), r.body)
	} else {
		saveArtifact(t, "night-handover.pdf", r.body)
	}
	if r := e.as("analyst2", "GET", hl.Handovers[0].HTML, nil); r.status != 403 {
		t.Errorf("another unit reads the handover: %d", r.status)
	}
	wantProblem(t, e.as("officer1", "GET", hl.Handovers[0].HTML+"&lang=fr", nil), 400, "lang")
}
