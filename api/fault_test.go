package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store"
)

// TestNoFixLostWhenTheDatabaseRestarts sends 200,000 fixes from concurrent clients that retry
// on any non-2xx answer or timeout, stops PostgreSQL in the middle and starts it again, and then
// requires the stored fixes to be exactly the unique fixes sent — so none acknowledged with a
// 2xx is missing and none is stored twice.
func TestNoFixLostWhenTheDatabaseRestarts(t *testing.T) {
	t.Parallel()
	const (
		clients   = 8
		perClient = 25000
		batch     = 500
	)
	url, cluster := privateCluster(t)
	ctx := context.Background()
	if _, err := store.Migrate(ctx, url, nil); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	s, err := store.Open(ctx, url, store.Options{MaxConns: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	unit, err := s.CreateUnit(ctx, patrol.Unit{Code: "w1", Name: "W1", TimeZone: "Asia/Ho_Chi_Minh", NightStart: "22:00", NightEnd: "05:00", H3Res: 10})
	if err != nil {
		t.Fatal(err)
	}
	secrets := make([]string, clients)
	for i := range secrets {
		_, secrets[i], err = s.CreateDevice(ctx, unit.ID, fmt.Sprintf("phone-%d", i), "")
		if err != nil {
			t.Fatal(err)
		}
	}
	srv := newHTTPTestServer(t, api.New(api.Config{}, s, nil, quietLog()))
	httpc := &http.Client{Timeout: 10 * time.Second}

	var acked, sentRequests, failures atomic.Int64
	var ackedMu sync.Mutex
	ackedBatches := map[string]bool{}
	start := time.Now().UTC().Add(-30 * 24 * time.Hour).Truncate(time.Second)
	deadline := time.Now().Add(8 * time.Minute)
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			device := fmt.Sprintf("phone-%d", c)
			for b := 0; b < perClient/batch; b++ {
				fixes := make([]map[string]any, batch)
				for i := range fixes {
					n := b*batch + i
					fixes[i] = map[string]any{"device": device, "time": start.Add(time.Duration(n) * 5 * time.Second).Format(time.RFC3339),
						"lat": 21.46 + float64(n%1000)*1e-5, "lon": 105.84 + float64(n/1000)*1e-4, "accuracy": 5}
				}
				body, _ := json.Marshal(map[string]any{"fixes": fixes})
				for attempt := 0; ; attempt++ {
					if time.Now().After(deadline) {
						errs <- fmt.Errorf("client %d gave up on batch %d", c, b)
						return
					}
					sentRequests.Add(1)
					req, _ := http.NewRequest("POST", srv.URL+"/api/v1/fixes", bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+secrets[c])
					res, err := httpc.Do(req)
					if err == nil && res.StatusCode == 200 {
						var r api.IngestReply
						json.NewDecoder(res.Body).Decode(&r)
						res.Body.Close()
						if len(r.Rejected) > 0 || r.Accepted+r.Duplicates != batch {
							errs <- fmt.Errorf("client %d batch %d: %+v", c, b, r)
							return
						}
						acked.Add(int64(batch))
						ackedMu.Lock()
						ackedBatches[fmt.Sprintf("%d/%d", c, b)] = true
						ackedMu.Unlock()
						break
					}
					if err == nil {
						res.Body.Close()
					}
					failures.Add(1)
					time.Sleep(time.Duration(50+attempt*50) * time.Millisecond)
				}
			}
		}(c)
	}
	// Stop the database once a quarter of the fixes are in, keep it down for 3 s, restart it.
	for acked.Load() < clients*perClient/4 {
		time.Sleep(20 * time.Millisecond)
	}
	cluster("stop")
	down := time.Now()
	time.Sleep(3 * time.Second)
	cluster("start")
	t.Logf("database down for %s with %d fixes acknowledged at the stop", time.Since(down).Round(time.Millisecond), acked.Load())
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	var stored, distinct int64
	if err := s.Pool().QueryRow(ctx, `SELECT count(*), count(DISTINCT (device_id, ts)) FROM fix`).Scan(&stored, &distinct); err != nil {
		t.Fatal(err)
	}
	want := int64(clients * perClient)
	if len(ackedBatches) != clients*perClient/batch {
		t.Fatalf("%d batches acknowledged, want %d", len(ackedBatches), clients*perClient/batch)
	}
	if stored != want || distinct != want {
		t.Fatalf("stored %d fixes (%d distinct), sent %d unique fixes", stored, distinct, want)
	}
	if failures.Load() == 0 {
		t.Fatalf("no request failed while the database was down: the fault was not injected")
	}
	t.Logf("fixes sent %d, requests %d, failed attempts retried %d, stored %d, lost 0", want, sentRequests.Load(), failures.Load(), stored)
}
