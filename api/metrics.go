package api

import (
	"fmt"
	"net/http"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
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
	counters  sync.Map // name -> *atomic.Uint64 for ingest counters
	started   time.Time
}

func newMetrics() *metrics {
	return &metrics{requests: map[routeKey]uint64{}, durations: map[string]*histogram{}, started: time.Now()}
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[routeKey{method, route, status}]++
	h := m.durations[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(durationBuckets)+1)}
		m.durations[route] = h
	}
	sec := d.Seconds()
	i := sort.SearchFloat64s(durationBuckets, sec)
	h.counts[i]++
	h.sum += sec
	h.n++
}

// add increases a named counter (for example patrolmap_fixes_accepted_total).
func (m *metrics) add(name string, n int) {
	v, _ := m.counters.LoadOrStore(name, new(atomic.Uint64))
	v.(*atomic.Uint64).Add(uint64(n))
}

func (s *Server) metricsHandler(c *gin.Context) {
	m := s.metrics
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
	c.Data(http.StatusOK, "text/plain; version=0.0.4; charset=utf-8", []byte(b.String()))
}
