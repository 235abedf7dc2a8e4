package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// benchBatchBody is batch k of size n of the devices bench-0..bench-(devices-1), as JSON.
func benchBatchBody(k, n, devices int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"fixes":[`)
	for i := 0; i < n; i++ {
		seq := k*n + i
		d, step := seq%devices, seq/devices
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"device":"bench-%d","time":%d,"lat":%.6f,"lon":%.6f,"accuracy":%d,"speed":1.2,"heading":%d,"altitude":30.5,"battery":80}`,
			d, 1709305200+step*5, 21.465+float64(step%2000)*4e-6, 105.845+float64(d)*1e-4, 5+seq%10, (step*7)%360)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// benchServer starts an in-process server on a fresh test database with a unit, devices
// bench-0… (secrets bench-secret-0…) and an admin token.
func benchServer(b *testing.B, devices int) (string, string) {
	b.Helper()
	ctx := context.Background()
	s := storetest.New(b)
	u, err := s.CreateUnit(ctx, patrol.Unit{Code: "w1", Name: "w1", TimeZone: "Asia/Ho_Chi_Minh", NightStart: "22:00", NightEnd: "05:00", H3Res: 10})
	if err != nil {
		b.Fatal(err)
	}
	for d := 0; d < devices; d++ {
		if _, _, err := s.CreateDevice(ctx, u.ID, fmt.Sprintf("bench-%d", d), ""); err != nil {
			b.Fatal(err)
		}
	}
	// Known secrets, bench-secret-N for bench-N, as scripts/bench-ingest sets them.
	if _, err := s.Pool().Exec(ctx, `UPDATE device SET secret_hash = sha256(convert_to('bench-secret-' || substr(ident, 7), 'UTF8'))`); err != nil {
		b.Fatal(err)
	}
	admin, err := s.CreateUser(ctx, store.NewUser{Username: "admin", Role: patrol.RoleAdmin, Password: "admin-password"})
	if err != nil {
		b.Fatal(err)
	}
	token, err := s.CreateToken(ctx, admin.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(api.New(api.Config{}, s, nil, log).Handler())
	b.Cleanup(srv.Close)
	return srv.URL, token
}

// BenchmarkPostFixes posts batches of new fixes to /api/v1/fixes on an in-process server and a
// test database (fsync off): where the time of the bulk path goes, for profiling with
//
//	go test ./api/ -run '^$' -bench PostFixes -benchtime 20x -cpuprofile /tmp/cpu.out
//
// scripts/bench-ingest measures the same path end to end against a durable database.
func BenchmarkPostFixes(b *testing.B) {
	for _, size := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			const devices = 50
			url, token := benchServer(b, devices)
			bodies := make([][]byte, b.N)
			for k := range bodies {
				bodies[k] = benchBatchBody(k, size, devices)
			}
			b.ResetTimer()
			start := time.Now()
			for k := 0; k < b.N; k++ {
				req, _ := http.NewRequest("POST", url+"/api/v1/fixes", bytes.NewReader(bodies[k]))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Fatalf("%d %s", res.StatusCode, body)
				}
			}
			b.ReportMetric(float64(b.N*size)/time.Since(start).Seconds(), "fixes/s")
		})
	}
}

// BenchmarkOsmAndSingleFix sends distinct single OsmAnd fixes from parallel clients to an
// in-process server and a test database (fsync off), through the group commit: the CPU cost of
// one request, for profiling with
//
//	go test ./api/ -run '^$' -bench OsmAndSingleFix -benchtime 20000x -cpu 2 -cpuprofile /tmp/cpu.out
//
// scripts/bench-ingest measures requests/s and latency with wrk against a durable database.
func BenchmarkOsmAndSingleFix(b *testing.B) {
	const devices = 50
	url, _ := benchServer(b, devices)
	var seq atomic.Int64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			d, step := n%devices, n/devices
			path := fmt.Sprintf("%s/osmand?id=bench-%d&key=bench-secret-%d&lat=%.6f&lon=105.85&timestamp=%d&speed=2.0&bearing=90&accuracy=5&batt=80",
				url, d, d, 21.465+float64(step%2000)*1e-5, 1709305200+step)
			res, err := client.Get(path)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
}
