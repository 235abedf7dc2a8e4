package api_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// freePort returns a TCP port on 127.0.0.1 nobody listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// privateCluster starts a PostgreSQL cluster of the test's own (scripts/pgcluster), so the test
// can stop and start it without disturbing other tests. It returns the cluster's URL and a
// function running pgcluster with more arguments.
func privateCluster(t *testing.T) (string, func(args ...string)) {
	t.Helper()
	script, err := filepath.Abs("../scripts/pgcluster")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(script); err != nil {
		t.Fatalf("pgcluster script: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "pg")
	port := strconv.Itoa(freePort(t))
	run := func(args ...string) string {
		out, err := exec.Command(script, args...).Output()
		if err != nil {
			var stderr string
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = string(ee.Stderr)
			}
			storetest.Unavailable(t, "pgcluster "+strings.Join(args, " ")+": "+err.Error()+" "+stderr)
		}
		return strings.TrimSpace(string(out))
	}
	url := run("start", dir, port, "--fast")
	t.Cleanup(func() { exec.Command(script, "stop", dir).Run() })
	return url, func(args ...string) {
		switch args[0] {
		case "stop":
			run("stop", dir)
		case "start":
			run("start", dir, port, "--fast")
		}
	}
}

// TestReadyzFollowsTheDatabase stops the database under a running server and starts it again.
func TestReadyzFollowsTheDatabase(t *testing.T) {
	t.Parallel()
	if os.Getenv("TEST_DATABASE_URL") == "" {
		storetest.Unavailable(t, "TEST_DATABASE_URL is not set")
	}
	url, cluster := privateCluster(t)
	ctx := context.Background()
	s, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer s.Close()
	e := &testEnv{t: t, store: s}
	srv := api.New(api.Config{}, s, nil, quietLog())
	e.srv = newHTTPTestServer(t, srv)

	if r := e.do("GET", "/readyz", "", nil); r.status != 200 {
		t.Fatalf("readyz with the database up: %d %s", r.status, r.body)
	}
	cluster("stop")
	r := e.do("GET", "/readyz", "", nil)
	wantProblem(t, r, 503, "")
	if r.header.Get("Retry-After") == "" {
		t.Errorf("503 without Retry-After")
	}
	if r := e.do("GET", "/healthz", "", nil); r.status != 200 {
		t.Errorf("healthz must not depend on the database: %d", r.status)
	}
	cluster("start")
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := e.do("GET", "/readyz", "", nil)
		if r.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz did not return to 200 after the database came back: %d %s", r.status, r.body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Draining for shutdown turns readyz to 503 while the database is fine.
	srv.Drain()
	wantProblem(t, e.do("GET", "/readyz", "", nil), 503, "")
}

func TestHeadersLimitsAndErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do("GET", "/healthz", "", nil)
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
	} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	csp := r.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") {
		t.Errorf("CSP %q", csp)
	}
	// 32 MiB + 1 byte is refused with 413 before anything is stored.
	big := strings.Repeat(" ", 32<<20+1)
	wantProblem(t, e.as("analyst1", "POST", "/api/v1/fixes", big), 413, "")
	// Malformed JSON names the body; a wrong type names its field.
	wantProblem(t, e.as("analyst1", "POST", "/api/v1/areas?unit=w1", "{"), 400, "body")
	wantProblem(t, e.as("analyst1", "POST", "/api/v1/areas?unit=w1", `{"type":"Feature","properties":{"name":5}}`), 400, "properties.name")
	wantProblem(t, e.as("analyst1", "GET", "/api/v1/incidents?unit=w1&from=yesterday", nil), 400, "from")
	wantProblem(t, e.as("analyst1", "GET", "/api/v1/incidents?unit=nope", nil), 404, "unit")
	wantProblem(t, e.as("analyst1", "GET", "/api/v1/incidents?unit=x%27%3B+DROP+TABLE+incident%3B--", nil), 400, "unit")
	wantProblem(t, e.as("analyst1", "GET", "/api/v1/nothing-here", nil), 404, "")
	// Metrics are exposed in the Prometheus text format.
	m := e.as("admin", "GET", "/metrics", nil)
	if m.status != 200 || !strings.Contains(string(m.body), `patrolmap_http_requests_total{method="GET",route="/healthz",status="200"} 1`) {
		t.Errorf("metrics: %d %s", m.status, m.body)
	}
}
