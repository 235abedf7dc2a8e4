package api

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
)

// liveFake is a Backend with just what the live stream uses: two units, two bearer tokens (one
// for every unit, one for unit w2 only) and positions the test changes while a stream is open.
// Any other Backend call panics on the nil embedded interface.
type liveFake struct {
	Backend
	mu        sync.Mutex
	positions []patrol.StoredFix
	alerts    []patrol.NightAlert // night_live_test.go
	fail      bool
}

var liveUnits = map[string]patrol.Unit{"w1": {ID: 1, Code: "w1"}, "w2": {ID: 2, Code: "w2"}}

func (f *liveFake) CallerByToken(_ context.Context, token string) (patrol.Caller, error) {
	switch token {
	case "all-units":
		return patrol.Caller{Kind: patrol.CallerUser, User: patrol.User{ID: 1, Username: "a", Role: patrol.RoleAnalyst}}, nil
	case "w2-only":
		return patrol.Caller{Kind: patrol.CallerUser, User: patrol.User{ID: 2, Username: "b", Role: patrol.RoleOfficer, UnitID: 2}}, nil
	}
	return patrol.Caller{}, patrol.ErrNotFound
}

func (f *liveFake) CallerByDeviceSecret(context.Context, string) (patrol.Caller, error) {
	return patrol.Caller{}, patrol.ErrNotFound
}

func (f *liveFake) UnitByCode(_ context.Context, code string) (patrol.Unit, error) {
	if u, ok := liveUnits[code]; ok {
		return u, nil
	}
	return patrol.Unit{}, patrol.ErrNotFound
}

func (f *liveFake) LatestPositions(_ context.Context, unitID int, _ time.Time, since time.Duration) ([]patrol.StoredFix, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return nil, patrol.ErrUnavailable
	}
	var out []patrol.StoredFix
	for _, p := range f.positions {
		if p.UnitID == unitID {
			out = append(out, p)
		}
	}
	return out, nil
}

func (f *liveFake) set(positions ...patrol.StoredFix) {
	f.mu.Lock()
	f.positions = positions
	f.mu.Unlock()
}

func liveFix(unitID int, ident string, at time.Time, lon float64) patrol.StoredFix {
	return patrol.StoredFix{DeviceIdent: ident, Fix: patrol.Fix{UnitID: unitID, Time: at, Lat: 21.47, Lon: lon,
		Accuracy: 6, Speed: patrol.Unknown, Heading: patrol.Unknown, Altitude: patrol.Unknown, Battery: 71}}
}

// liveServer serves the live route (registered here until server.go registers it itself).
func liveServer(t *testing.T, fake *liveFake) *httptest.Server {
	t.Helper()
	s := New(Config{}, fake, nil, nil)
	// New wraps the backend (ingest's device secret cache); the fake is all this test needs.
	s.db = fake
	registered := false
	for _, r := range s.engine.Routes() {
		if r.Method == http.MethodGet && r.Path == "/api/v1/live" {
			registered = true
		}
	}
	if !registered {
		s.liveRoutes(s.engine.Group("/api/v1"))
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// sseEvent is one server-sent event as read off the wire.
type sseEvent struct {
	name, data string
	comment    bool
}

// readEvents parses server-sent events from r onto a channel until the body ends.
func readEvents(r *bufio.Reader) <-chan sseEvent {
	out := make(chan sseEvent, 16)
	go func() {
		defer close(out)
		var ev sseEvent
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case line == "":
				out <- ev
				ev = sseEvent{}
			case strings.HasPrefix(line, ":"):
				ev.comment = true
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data = strings.TrimPrefix(line, "data: ")
			case strings.HasPrefix(line, "retry: "):
				ev.name = "retry"
				ev.data = strings.TrimPrefix(line, "retry: ")
			}
		}
	}()
	return out
}

// nextEvent returns the next event with a name, skipping keep-alive comments.
func nextEvent(t *testing.T, events <-chan sseEvent) sseEvent {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("the stream ended")
			}
			if ev.name != "" {
				return ev
			}
		case <-timeout:
			t.Fatal("no event within 5 s")
		}
	}
}

func TestLiveStreamsPositions(t *testing.T) {
	livePoll, liveKeepAlive = 50*time.Millisecond, 100*time.Millisecond
	fake := &liveFake{}
	now := time.Now().UTC()
	fake.set(liveFix(1, "phone-a", now.Add(-time.Minute), 105.85), liveFix(2, "phone-other", now, 105.86))
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
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("status %d, content type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	events := readEvents(bufio.NewReader(res.Body))
	if ev := nextEvent(t, events); ev.name != "retry" || ev.data != "3000" {
		t.Fatalf("first event %+v, want retry: 3000", ev)
	}

	var fc struct {
		Type     string `json:"type"`
		Unit     string `json:"unit"`
		Now      string `json:"now"`
		Features []struct {
			Geometry struct {
				Type        string     `json:"type"`
				Coordinates [2]float64 `json:"coordinates"`
			} `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	ev := nextEvent(t, events)
	if ev.name != "positions" {
		t.Fatalf("event %+v, want positions", ev)
	}
	if err := json.Unmarshal([]byte(ev.data), &fc); err != nil {
		t.Fatal(err)
	}
	if fc.Type != "FeatureCollection" || fc.Unit != "w1" || fc.Now == "" || len(fc.Features) != 1 {
		t.Fatalf("positions %s", ev.data)
	}
	f := fc.Features[0]
	if f.Geometry.Type != "Point" || f.Geometry.Coordinates != [2]float64{105.85, 21.47} ||
		f.Properties["device"] != "phone-a" || f.Properties["speed"] != nil || f.Properties["battery"] != 71.0 {
		t.Errorf("feature %+v", f)
	}

	// Unchanged positions send nothing but keep-alive comments; a move sends a new event.
	time.Sleep(300 * time.Millisecond)
	fake.set(liveFix(1, "phone-a", now, 105.851), liveFix(1, "phone-b", now, 105.852))
	ev = nextEvent(t, events)
	if ev.name != "positions" {
		t.Fatalf("event %+v after the move, want positions", ev)
	}
	if err := json.Unmarshal([]byte(ev.data), &fc); err != nil || len(fc.Features) != 2 || fc.Features[0].Geometry.Coordinates[0] != 105.851 {
		t.Fatalf("positions after the move: %s (%v)", ev.data, err)
	}

	// A failing store is reported once and the stream goes on.
	fake.mu.Lock()
	fake.fail = true
	fake.mu.Unlock()
	if ev := nextEvent(t, events); ev.name != "unavailable" {
		t.Fatalf("event %+v while the store fails, want unavailable", ev)
	}
	fake.mu.Lock()
	fake.fail = false
	fake.mu.Unlock()
	fake.set(liveFix(1, "phone-a", now, 105.853))
	if ev := nextEvent(t, events); ev.name != "positions" {
		t.Fatalf("event %+v after the store recovered, want positions", ev)
	}
}

func TestLiveRefusals(t *testing.T) {
	srv := liveServer(t, &liveFake{})
	for _, tc := range []struct {
		name, token, query string
		status             int
	}{
		{"anonymous", "", "?unit=w1", http.StatusUnauthorized},
		{"no unit", "all-units", "", http.StatusBadRequest},
		{"unknown unit", "all-units", "?unit=nowhere", http.StatusNotFound},
		{"outside scope", "w2-only", "?unit=w1", http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/live"+tc.query, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Errorf("status %d, want %d", res.StatusCode, tc.status)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("content type %q, want problem+json", ct)
			}
		})
	}
}
