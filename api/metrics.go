package api

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/patrol"
)

// durationBuckets are the upper bounds (seconds) of the request duration histogram.
var durationBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type routeKey struct {
	method, route string
	status        int
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	n      uint64
}

// metrics are the counters /metrics exposes in the Prometheus text format.
type metrics struct {
	mu        sync.Mutex
	requests  map[routeKey]uint64
	durations map[string]*histogram // by route
	inFlight  atomic.Int64
	counters  sync.Map  // name -> *atomic.Uint64 for ingest counters
	writes    histogram // durations of the database writes of fixes (app/ingest's ObserveWrite)
	started   time.Time
}

func newMetrics() *metrics {
	return &metrics{requests: map[routeKey]uint64{}, durations: map[string]*histogram{}, started: time.Now(),
		writes: histogram{counts: make([]uint64, len(durationBuckets)+1)}}
}

// observeWrite records one write of fixes to the database, commit included.
func (m *metrics) observeWrite(_ int, d time.Duration) {
	m.mu.Lock()
	m.writes.add(d)
	m.mu.Unlock()
}

// metricMethods are the request methods recorded by name; any other is recorded as "other",
// so that a client inventing method names cannot add series (issue 18: 100,000 made-up methods
// grew /metrics to 429 MB).
var metricMethods = map[string]string{
	http.MethodGet: http.MethodGet, http.MethodHead: http.MethodHead, http.MethodPost: http.MethodPost,
	http.MethodPut: http.MethodPut, http.MethodPatch: http.MethodPatch, http.MethodDelete: http.MethodDelete,
	http.MethodOptions: http.MethodOptions, http.MethodConnect: http.MethodConnect, http.MethodTrace: http.MethodTrace,
}

// unmatchedRoute labels requests that matched no route template (static files, 404, 405).
const unmatchedRoute = "unmatched"

// metricMethod returns the label of a request method: the method itself when it is one of
// HTTP's, else "other".
func metricMethod(m string) string {
	if v, ok := metricMethods[m]; ok {
		return v
	}
	return "other"
}

// metricStatus keeps the status label inside 100..599 ("0" for anything else), so the status
// cannot add series beyond the ones HTTP defines.
func metricStatus(code int) int {
	if code < 100 || code > 599 {
		return 0
	}
	return code
}

// observe records one request. method is the request's own method and route gin's route
// template ("" when none matched); both are mapped onto a fixed label set here.
func (m *metrics) observe(method, route string, status int, d time.Duration) {
	method = metricMethod(method)
	if route == "" {
		route = unmatchedRoute
	}
	status = metricStatus(status)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[routeKey{method, route, status}]++
	h := m.durations[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(durationBuckets)+1)}
		m.durations[route] = h
	}
	h.add(d)
}

// add counts one duration in its bucket (the last one past durationBuckets).
func (h *histogram) add(d time.Duration) {
	sec := d.Seconds()
	h.counts[sort.SearchFloat64s(durationBuckets, sec)]++
	h.sum += sec
	h.n++
}

// add increases a named counter (for example patrolmap_fixes_accepted_total).
func (m *metrics) add(name string, n int) {
	v, _ := m.counters.LoadOrStore(name, new(atomic.Uint64))
	v.(*atomic.Uint64).Add(uint64(n))
}

// metricsContentType is the Prometheus text exposition format.
const metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

// metricsTokenKey marks a request that presented the metrics bearer token.
const metricsTokenKey = "patrolmap.metrics_token"

// metricsHandler serves /metrics on the main listener to the holder of the metrics token
// (Config.MetricsToken) or an admin of all units; requireMetricsAccess has checked that.
func (s *Server) metricsHandler(c *gin.Context) {
	c.Data(http.StatusOK, metricsContentType, s.metrics.text())
}

// requireMetricsAccess lets /metrics through for the metrics token or an admin of all units:
// the counters describe every unit's traffic.
func (s *Server) requireMetricsAccess(c *gin.Context) {
	if ok, _ := c.Get(metricsTokenKey); ok == true {
		c.Next()
		return
	}
	caller := callerOf(c)
	switch {
	case caller.Kind == patrol.CallerNone:
		c.Header("WWW-Authenticate", `Bearer realm="patrolmap"`)
		writeProblem(c, problem(http.StatusUnauthorized, "metrics need the metrics bearer token or an admin of all units"))
	case caller.Kind == patrol.CallerUser && caller.User.Role == patrol.RoleAdmin && caller.AllUnits():
		c.Next()
	default:
		writeProblem(c, problem(http.StatusForbidden, "metrics are for the metrics token or an admin of all units"))
	}
}

// presentsMetricsToken reports whether the request is for /metrics with the configured metrics
// bearer token (compared in constant time).
func (s *Server) presentsMetricsToken(c *gin.Context) bool {
	if s.cfg.MetricsToken == "" || c.FullPath() != "/metrics" {
		return false
	}
	scheme, value, _ := strings.Cut(c.GetHeader("Authorization"), " ")
	if !strings.EqualFold(scheme, "bearer") {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(value)), []byte(s.cfg.MetricsToken)) == 1
}

// MetricsHandler returns the handler of the separate metrics listener (serve --metrics-addr):
// GET /metrics without credentials, nothing else. Bind it to an address only the monitoring
// system reaches.
func (s *Server) MetricsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", metricsContentType)
		if r.Method == http.MethodGet {
			w.Write(s.metrics.text())
		}
	})
}

// text renders every metric in the Prometheus text format.
func (m *metrics) text() []byte {
	var b strings.Builder
	m.mu.Lock()
	b.WriteString("# HELP patrolmap_http_requests_total HTTP requests by method, route and status.\n# TYPE patrolmap_http_requests_total counter\n")
	keys := make([]routeKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].route != keys[j].route {
			return keys[i].route < keys[j].route
		}
		if keys[i].method != keys[j].method {
			return keys[i].method < keys[j].method
		}
		return keys[i].status < keys[j].status
	})
	for _, k := range keys {
		fmt.Fprintf(&b, "patrolmap_http_requests_total{method=%q,route=%q,status=\"%d\"} %d\n", k.method, k.route, k.status, m.requests[k])
	}
	b.WriteString("# HELP patrolmap_http_request_duration_seconds HTTP request durations by route.\n# TYPE patrolmap_http_request_duration_seconds histogram\n")
	routes := make([]string, 0, len(m.durations))
	for r := range m.durations {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, r := range routes {
		h := m.durations[r]
		var cum uint64
		for i, le := range durationBuckets {
			cum += h.counts[i]
			fmt.Fprintf(&b, "patrolmap_http_request_duration_seconds_bucket{route=%q,le=\"%g\"} %d\n", r, le, cum)
		}
		fmt.Fprintf(&b, "patrolmap_http_request_duration_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", r, h.n)
		fmt.Fprintf(&b, "patrolmap_http_request_duration_seconds_sum{route=%q} %g\n", r, h.sum)
		fmt.Fprintf(&b, "patrolmap_http_request_duration_seconds_count{route=%q} %d\n", r, h.n)
	}
	b.WriteString("# HELP patrolmap_ingest_write_duration_seconds Database writes of fixes (a batch, a group commit, a replay), commit included.\n# TYPE patrolmap_ingest_write_duration_seconds histogram\n")
	var cum uint64
	for i, le := range durationBuckets {
		cum += m.writes.counts[i]
		fmt.Fprintf(&b, "patrolmap_ingest_write_duration_seconds_bucket{le=\"%g\"} %d\n", le, cum)
	}
	fmt.Fprintf(&b, "patrolmap_ingest_write_duration_seconds_bucket{le=\"+Inf\"} %d\n", m.writes.n)
	fmt.Fprintf(&b, "patrolmap_ingest_write_duration_seconds_sum %g\n", m.writes.sum)
	fmt.Fprintf(&b, "patrolmap_ingest_write_duration_seconds_count %d\n", m.writes.n)
	m.mu.Unlock()
	b.WriteString("# HELP patrolmap_http_in_flight_requests Requests being served.\n# TYPE patrolmap_http_in_flight_requests gauge\n")
	fmt.Fprintf(&b, "patrolmap_http_in_flight_requests %d\n", m.inFlight.Load())
	var names []string
	m.counters.Range(func(k, _ any) bool { names = append(names, k.(string)); return true })
	sort.Strings(names)
	for _, n := range names {
		v, _ := m.counters.Load(n)
		fmt.Fprintf(&b, "# TYPE %s counter\n%s %d\n", n, n, v.(*atomic.Uint64).Load())
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(&b, "# TYPE patrolmap_go_goroutines gauge\npatrolmap_go_goroutines %d\n", runtime.NumGoroutine())
	fmt.Fprintf(&b, "# TYPE patrolmap_go_heap_alloc_bytes gauge\npatrolmap_go_heap_alloc_bytes %d\n", ms.HeapAlloc)
	fmt.Fprintf(&b, "# TYPE patrolmap_uptime_seconds gauge\npatrolmap_uptime_seconds %g\n", time.Since(m.started).Seconds())
	return []byte(b.String())
}
