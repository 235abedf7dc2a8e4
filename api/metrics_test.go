package api_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// processRSS returns the resident set size of this process in bytes, from /proc, after a
// garbage collection that returns free memory to the system.
func processRSS(t *testing.T) int64 {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	rss := rssNow()
	if rss == 0 {
		t.Fatal("no VmRSS in /proc/self/status")
	}
	return rss
}

// rssNow returns the resident set size of this process in bytes as it is (0 when unknown).
func rssNow() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// TestMetricsMethodFlood replays issue 18's attack: unauthenticated requests with made-up
// method names (2 kB each) and raw paths that match no route, on one keep-alive connection.
// The metrics must keep a fixed label set, so neither /metrics nor the process grows. Not
// parallel: the RSS of the test process is the measurement.
func TestMetricsMethodFlood(t *testing.T) {
	e := newEnv(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rd := bufio.NewReader(conn)
	pad := strings.Repeat("A", 2000)
	send := func(i int) {
		var line string
		if i%2 == 0 {
			line = fmt.Sprintf("X%d%s /api/v1/units HTTP/1.1\r\n", i, pad)
		} else {
			line = fmt.Sprintf("GET /no/such/path/%d/%s HTTP/1.1\r\n", i, pad[:200])
		}
		if _, err := io.WriteString(conn, line+"Host: test\r\n\r\n"); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		res, err := http.ReadResponse(rd, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 405 && res.StatusCode != 404 {
			t.Fatalf("request %d: status %d", i, res.StatusCode)
		}
	}
	metricsSize := func() int {
		r := e.as("admin", "GET", "/metrics", nil)
		if r.status != 200 {
			t.Fatalf("metrics: %d %s", r.status, r.body)
		}
		return len(r.body)
	}
	// Warm up: the label series of both kinds exist, the buffers are allocated.
	for i := 0; i < 1000; i++ {
		send(i)
	}
	metricsSize() // its own series exist from here on
	size0, rss0 := metricsSize(), processRSS(t)
	const flood = 20000
	for i := 1000; i < 1000+flood; i++ {
		send(i)
	}
	m := e.as("admin", "GET", "/metrics", nil)
	size1, rss1 := len(m.body), processRSS(t)
	t.Logf("%d made-up-method and raw-path requests: /metrics %d → %d bytes, RSS %.1f → %.1f MiB",
		flood, size0, size1, float64(rss0)/(1<<20), float64(rss1)/(1<<20))
	// Counters gain digits, nothing else: a series per request would add over 20 MB.
	if size1-size0 > 512 {
		t.Errorf("/metrics grew from %d to %d bytes", size0, size1)
	}
	if grow := rss1 - rss0; grow > 16<<20 {
		t.Errorf("process RSS grew by %.1f MiB over %d requests", float64(grow)/(1<<20), flood)
	}
	body := string(m.body)
	for _, want := range []string{`method="other",route="unmatched",status="405"`, `method="GET",route="unmatched",status="404"`} {
		if !strings.Contains(body, want) {
			t.Errorf("no series %s in\n%s", want, body)
		}
	}
	if strings.Contains(body, "AAAA") || strings.Contains(body, "/no/such/path") {
		t.Errorf("a made-up method or a raw path reached the labels")
	}
}

// TestMetricsNeedTheTokenOrAnAdmin: /metrics on the main listener answers the metrics token and
// admins of all units only; the separate metrics listener serves it without credentials.
func TestMetricsNeedTheTokenOrAnAdmin(t *testing.T) {
	t.Parallel()
	const token = "metrics-token-0123456789abcdef"
	e := newEnvWithStore(t, storetest.New(t), api.Config{MetricsToken: token})
	wantProblem(t, e.do("GET", "/metrics", "", nil), 401, "")
	wantProblem(t, e.do("GET", "/metrics", "metrics-token-wrong", nil), 401, "")
	wantProblem(t, e.as("officer1", "GET", "/metrics", nil), 403, "")
	wantProblem(t, e.as("admin1", "GET", "/metrics", nil), 403, "")
	// The metrics token opens /metrics only.
	wantProblem(t, e.do("GET", "/api/v1/units", token, nil), 401, "")
	for _, r := range []response{e.do("GET", "/metrics", token, nil), e.as("admin", "GET", "/metrics", nil)} {
		if r.status != 200 || !strings.Contains(string(r.body), "patrolmap_http_requests_total{") {
			t.Fatalf("metrics: %d %s", r.status, r.body)
		}
	}
	ms := httptest.NewServer(e.api.MetricsHandler())
	defer ms.Close()
	for path, want := range map[string]int{"/metrics": 200, "/": 404, "/api/v1/units": 404} {
		res, err := http.Get(ms.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("metrics listener %s: %d, want %d", path, res.StatusCode, want)
		}
		if want == 200 && !strings.Contains(string(b), `route="/metrics"`) {
			t.Errorf("metrics listener body:\n%s", b)
		}
	}
}

// TestMetricsTimeTheDatabaseWrites: each batch with fixes to store adds one database write to
// patrolmap_ingest_write_duration_seconds, so an operator can tell the database's part of an
// ingest request from the rest; a batch with nothing to store adds none.
func TestMetricsTimeTheDatabaseWrites(t *testing.T) {
	t.Parallel()
	e := newEnvWithStore(t, storetest.New(t), api.Config{})
	e.device("w1", "phone-metrics", "")
	writes := func() (int, float64) {
		t.Helper()
		r := e.as("admin", "GET", "/metrics", nil)
		var n int
		var sum float64
		for _, line := range strings.Split(string(r.body), "\n") {
			if v, ok := strings.CutPrefix(line, "patrolmap_ingest_write_duration_seconds_count "); ok {
				n, _ = strconv.Atoi(v)
			}
			if v, ok := strings.CutPrefix(line, "patrolmap_ingest_write_duration_seconds_sum "); ok {
				sum, _ = strconv.ParseFloat(v, 64)
			}
		}
		return n, sum
	}
	if n, _ := writes(); n != 0 {
		t.Fatalf("%d writes before any fix", n)
	}
	for i := 0; i < 2; i++ {
		body := fmt.Sprintf(`{"fixes":[{"device":"phone-metrics","time":%d,"lat":21.47,"lon":105.85,"accuracy":5}]}`, 1709305200+i)
		if r := e.as("admin", "POST", "/api/v1/fixes", body); r.status != 200 {
			t.Fatalf("post: %d %s", r.status, r.body)
		}
	}
	// Only an unknown device: nothing to write.
	if r := e.as("admin", "POST", "/api/v1/fixes", `{"fixes":[{"device":"nobody","time":1709305300,"lat":21.47,"lon":105.85}]}`); r.status != 200 {
		t.Fatalf("post: %d %s", r.status, r.body)
	}
	if n, sum := writes(); n != 2 || sum <= 0 {
		t.Errorf("writes: %d taking %g s, want 2 taking some time", n, sum)
	}
}
