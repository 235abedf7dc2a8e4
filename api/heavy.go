package api

import (
	"context"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// heavyRoutes are the analyses that can keep a core busy for seconds: the statistics, the
// planner, the report and geography imports. They run in the heavy pool, under the request
// timeout, and stop when their client hangs up (the geo loops take the request's context).
var heavyRoutes = map[string]bool{
	"GET /api/v1/hotspots":            true,
	"GET /api/v1/emerging":            true,
	"GET /api/v1/forecast":            true,
	"GET /api/v1/plan":                true,
	"POST /api/v1/plan/evaluate":      true,
	"GET /api/v1/report":              true,
	"GET /api/v1/summary":             true, // the report's hot spot clusters and the gap analysis
	"POST /api/v1/reports":            true,
	"POST /api/v1/units/:code/import": true,
}

// heavyPool bounds how many heavy analyses run at once, in all and per user. A request over
// its user's share is refused at once with 429; one that finds every slot taken waits up to
// wait for one, then is refused with 503. Both carry Retry-After.
type heavyPool struct {
	slots   chan struct{}
	perUser int
	wait    time.Duration

	mu     sync.Mutex
	byUser map[int64]int
}

func newHeavyPool(global, perUser int, wait time.Duration) *heavyPool {
	return &heavyPool{slots: make(chan struct{}, global), perUser: perUser, wait: wait, byUser: map[int64]int{}}
}

// Outcomes of heavyPool.acquire besides success.
const (
	heavyUserFull = iota + 1
	heavyPoolFull
	heavyGone
)

// acquire takes a slot for user; release must be called when the analysis ends. It returns 0
// on success, else why it failed.
func (p *heavyPool) acquire(ctx context.Context, user int64) (release func(), why int) {
	p.mu.Lock()
	if p.byUser[user] >= p.perUser {
		p.mu.Unlock()
		return nil, heavyUserFull
	}
	p.byUser[user]++
	p.mu.Unlock()
	undo := func() {
		p.mu.Lock()
		if p.byUser[user]--; p.byUser[user] <= 0 {
			delete(p.byUser, user)
		}
		p.mu.Unlock()
	}
	select {
	case p.slots <- struct{}{}:
	default:
		timer := time.NewTimer(p.wait)
		defer timer.Stop()
		select {
		case p.slots <- struct{}{}:
		case <-timer.C:
			undo()
			return nil, heavyPoolFull
		case <-ctx.Done():
			undo()
			return nil, heavyGone
		}
	}
	return func() { <-p.slots; undo() }, 0
}

// limitHeavy runs the heavy routes inside the pool and under the request timeout. Anonymous
// callers pass through to the route's own 401.
func (s *Server) limitHeavy(c *gin.Context) {
	if !heavyRoutes[c.Request.Method+" "+c.FullPath()] {
		c.Next()
		return
	}
	caller := callerOf(c)
	if caller.User.ID == 0 {
		c.Next()
		return
	}
	release, why := s.heavy.acquire(c.Request.Context(), caller.User.ID)
	switch why {
	case heavyUserFull:
		s.metrics.add("patrolmap_heavy_refused_total", 1)
		c.Header("Retry-After", strconv.Itoa(heavyRetryAfter))
		writeProblem(c, problem(http.StatusTooManyRequests, "you already have "+strconv.Itoa(s.heavy.perUser)+
			" heavy analyses running; wait for one to finish"))
		return
	case heavyPoolFull:
		s.metrics.add("patrolmap_heavy_refused_total", 1)
		c.Header("Retry-After", strconv.Itoa(heavyRetryAfter))
		writeProblem(c, problem(http.StatusServiceUnavailable, "every slot for heavy analyses is taken; retry later"))
		return
	case heavyGone:
		c.Abort()
		return
	}
	defer release()
	s.metrics.add("patrolmap_heavy_started_total", 1)
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.RequestTimeout)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}

// heavyRetryAfter is the Retry-After, in seconds, of a refused heavy analysis.
const heavyRetryAfter = 5

// defaultHeavyAnalyses is the default size of the heavy pool: one analysis per core, at least 2.
func defaultHeavyAnalyses() int { return max(2, runtime.GOMAXPROCS(0)) }
