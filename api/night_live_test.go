package api

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
)

// ListAlerts gives the live fake deadline alerts: those of the unit with deadlines in [from, to].
func (f *liveFake) ListAlerts(_ context.Context, unitID int, from, to time.Time) ([]patrol.NightAlert, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []patrol.NightAlert
	for _, a := range f.alerts {
		if a.UnitID == unitID && !a.DeadlineAt.Before(from) && !a.DeadlineAt.After(to) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (f *liveFake) setAlerts(alerts ...patrol.NightAlert) {
	f.mu.Lock()
	f.alerts = alerts
	f.mu.Unlock()
}

// TestLiveStreamsAlerts: no "alerts" event while there are none; a raised alert is pushed with
// its area, requirement and nearest officer, and its acknowledgement pushed again.
func TestLiveStreamsAlerts(t *testing.T) {
	livePoll, liveKeepAlive = 50*time.Millisecond, 100*time.Millisecond
	fake := &liveFake{}
	now := time.Now().UTC()
	fake.set(liveFix(1, "phone-a", now, 105.85))
	srv := liveServer(t, fake)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/v1/live?unit=w1", nil)
	req.Header.Set("Authorization", "Bearer all-units")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	events := readEvents(bufio.NewReader(res.Body))
	for _, want := range []string{"retry", "positions"} {
		if ev := nextEvent(t, events); ev.name != want {
			t.Fatalf("event %+v, want %s", ev, want)
		}
	}
	alert := patrol.NightAlert{ID: 7, UnitID: 1, UnitCode: "w1", AreaID: 3, AreaName: "Chợ Phường", Night: "2026-12-06", Required: 1,
		MinDwellMin: 10, DeadlineAt: now.Add(-time.Minute), RaisedAt: now,
		Nearest: &patrol.NearestOfficer{Device: "phone-a", DistanceM: 240, SeenAt: now, Lat: 21.47, Lon: 105.85}}
	other := alert
	other.ID, other.UnitID, other.UnitCode = 8, 2, "w2"
	time.Sleep(200 * time.Millisecond)
	fake.setAlerts(alert, other)
	var body struct {
		Unit   string `json:"unit"`
		Alerts []struct {
			ID             int64          `json:"id"`
			AreaName       string         `json:"area_name"`
			Required       int            `json:"required"`
			MinDwellMin    int            `json:"min_dwell_min"`
			Nearest        map[string]any `json:"nearest"`
			AcknowledgedBy *string        `json:"acknowledged_by"`
		} `json:"alerts"`
	}
	ev := nextEvent(t, events)
	if ev.name != "alerts" {
		t.Fatalf("event %+v, want alerts", ev)
	}
	if err := json.Unmarshal([]byte(ev.data), &body); err != nil || body.Unit != "w1" || len(body.Alerts) != 1 {
		t.Fatalf("alerts %s (%v)", ev.data, err)
	}
	a := body.Alerts[0]
	if a.ID != 7 || a.AreaName != "Chợ Phường" || a.Required != 1 || a.MinDwellMin != 10 || a.Nearest["device"] != "phone-a" ||
		a.Nearest["distance_m"] != 240.0 || a.AcknowledgedBy != nil {
		t.Errorf("alert %+v", a)
	}
	alert.AckByName, alert.AckAt = "officer1", now
	fake.setAlerts(alert, other)
	if ev = nextEvent(t, events); ev.name != "alerts" {
		t.Fatalf("event %+v after the acknowledgement, want alerts", ev)
	}
	if err := json.Unmarshal([]byte(ev.data), &body); err != nil || len(body.Alerts) != 1 || body.Alerts[0].AcknowledgedBy == nil ||
		*body.Alerts[0].AcknowledgedBy != "officer1" {
		t.Fatalf("alerts after the acknowledgement %s (%v)", ev.data, err)
	}
}
