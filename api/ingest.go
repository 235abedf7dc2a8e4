package api

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/patrol"
)

// IngestBackend is the storage the tracking-app protocols need beyond CoreBackend.
type IngestBackend interface {
	// StoreFixes writes fixes in one transaction, computing and storing their quality flags,
	// and reports for each whether it was stored, a duplicate (of a stored fix or of an earlier
	// one in the batch) or off duty and deliberately not stored. It returns only after commit.
	StoreFixes(ctx context.Context, fixes []patrol.Fix) ([]patrol.StoreOutcome, error)
	// RejectMany writes entries to the rejection log in one statement.
	RejectMany(ctx context.Context, list []patrol.Rejection) error
	// DevicesByIdent returns the registered devices among idents, keyed by ident.
	DevicesByIdent(ctx context.Context, idents []string) (map[string]patrol.Device, error)
}

// Ingest tuning. The group commit numbers are what docs/bench/ingest.md measured on 2 cores.
const (
	// secretCacheTTL is how long a checked device secret is trusted without asking the
	// database again. A secret rotated or a device deactivated through this server stops working
	// at once (Server.ForgetDeviceSecrets); through another process (the CLI), within this time.
	secretCacheTTL = 30 * time.Second
	// secretCacheSize bounds the cache; when full, expired entries are dropped, then everything.
	secretCacheSize = 20000

	// groupCommitWindow is how long the first fix of a group waits for others to join it.
	groupCommitWindow = 2 * time.Millisecond
	// groupCommitMax is the most fixes one group commit writes.
	groupCommitMax = 1000
	// groupCommitWriters is how many group commits may be in flight at once (each holds one
	// database connection while it writes).
	groupCommitWriters = 4
	// groupCommitQueue bounds the fixes waiting for a group commit; a fix that finds the queue
	// full is answered 503 with Retry-After instead of waiting without bound.
	groupCommitQueue = 4096
	// groupCommitTimeout bounds one group commit's transaction.
	groupCommitTimeout = 15 * time.Second

	// trackerBodyLimit bounds one request of the single-fix protocols (/osmand, /owntracks).
	trackerBodyLimit = 64 << 10
)

// ingester holds the state of the ingest protocols: the group commit, the cache of device
// secrets and the throttle of the rejection log.
type ingester struct {
	s        *Server
	fixes    *groupCommit
	secrets  *secretCache
	rejected *rejectThrottle
}

// ingestState returns the Server's ingester, or nil before ingestRoutes ran.
func (s *Server) ingestState() *ingester { return s.ingester }

// ingestRoutes registers the tracking-app protocols (OsmAnd, OwnTracks, GPX, incident CSV).
func (s *Server) ingestRoutes(r *gin.Engine, v1 *gin.RouterGroup) {
	g := &ingester{
		s: s,
		fixes: &groupCommit{
			write:   s.db.StoreFixes,
			queue:   make(chan *pendingFix, groupCommitQueue),
			gather:  make(chan struct{}, 1),
			window:  groupCommitWindow,
			max:     groupCommitMax,
			writers: groupCommitWriters,
			idle:    5 * time.Second,
			timeout: groupCommitTimeout,
			log:     s.log,
			observe: func(fixes int) {
				s.metrics.add("patrolmap_ingest_group_commits_total", 1)
				s.metrics.add("patrolmap_ingest_group_commit_fixes_total", fixes)
			},
		},
		secrets:  newSecretCache(secretCacheTTL, secretCacheSize),
		rejected: newRejectThrottle(time.Minute, 10000),
	}
	s.ingester = g

	r.GET("/osmand", g.osmand)
	r.POST("/osmand", g.osmand)
	r.POST("/owntracks", g.owntracks)
	v1.POST("/gpx", s.requireCaller, s.postGPX)
	v1.POST("/incidents/csv", s.requireUser, s.postIncidentsCSV)
}

// ForgetDeviceSecrets drops the cached checks of a device's secret (deviceID 0: of every
// device), so that a rotated secret or a deactivated device stops working at once. Call it
// after rotating a secret or deactivating a device; another process (the CLI) cannot reach this
// cache, so there the change takes effect within secretCacheTTL.
func (s *Server) ForgetDeviceSecrets(deviceID int) {
	if g := s.ingestState(); g != nil {
		g.secrets.forget(deviceID)
	}
}

// deviceCaller returns the active device whose secret this is, from the cache when the secret
// was checked less than secretCacheTTL ago: a SHA-256 and a map lookup instead of a query.
// Failures are never cached. The /osmand key goes through it; so should the device secrets that
// authenticate (bearer and Basic) once auth.go calls it.
func (s *Server) deviceCaller(ctx context.Context, secret string) (patrol.Caller, error) {
	g := s.ingestState()
	if g == nil {
		return s.db.CallerByDeviceSecret(ctx, secret)
	}
	key := sha256.Sum256([]byte(secret))
	if c, ok := g.secrets.get(key); ok {
		return c, nil
	}
	c, err := s.db.CallerByDeviceSecret(ctx, secret)
	if err != nil {
		return c, err
	}
	g.secrets.put(key, c)
	return c, nil
}

// secretCache maps the SHA-256 of a device secret to its caller for a short time. Keying by the
// hash keeps the secrets themselves out of memory longer than a request.
type secretCache struct {
	ttl time.Duration
	max int
	mu  sync.Mutex
	m   map[[32]byte]cachedCaller
}

type cachedCaller struct {
	caller  patrol.Caller
	expires time.Time
}

func newSecretCache(ttl time.Duration, max int) *secretCache {
	return &secretCache{ttl: ttl, max: max, m: map[[32]byte]cachedCaller{}}
}

func (c *secretCache) get(key [32]byte) (patrol.Caller, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok {
		return patrol.Caller{}, false
	}
	if !time.Now().Before(e.expires) {
		delete(c.m, key)
		return patrol.Caller{}, false
	}
	return e.caller, true
}

func (c *secretCache) put(key [32]byte, caller patrol.Caller) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		for k, e := range c.m {
			if !now.Before(e.expires) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= c.max {
			clear(c.m)
		}
	}
	c.m[key] = cachedCaller{caller: caller, expires: now.Add(c.ttl)}
}

// forget drops the entries of one device, or all entries when deviceID is 0.
func (c *secretCache) forget(deviceID int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if deviceID == 0 || e.caller.Device.ID == deviceID {
			delete(c.m, k)
		}
	}
}

// errIngestBusy means the group commit queue is full: the caller answers 503 with Retry-After.
var errIngestBusy = errors.New("too many fixes waiting to be written")

// groupCommit writes the fixes of concurrent single-fix requests together. A request queues its
// fix and waits; a writer takes the first queued fix and everything queued behind it (up to
// max); while other groups are being written it also waits, until window after the first fix
// was queued, for the requests their answers set off, as PostgreSQL's commit_delay waits only
// when other transactions are active. It writes the group in one transaction with StoreFixes and
// then answers every request with its own result. Only one writer gathers at a time while up to
// writers others write, so under load the groups grow by themselves and a lone fix is written
// at once. The queue is bounded: a fix that finds it full is refused at once (errIngestBusy).
// Writers start on demand and stop after idle, so an idle server holds no goroutines for this.
type groupCommit struct {
	write    func(context.Context, []patrol.Fix) ([]patrol.StoreOutcome, error)
	queue    chan *pendingFix
	gather   chan struct{} // holds a token while one writer gathers a group
	window   time.Duration
	max      int
	writers  int32
	idle     time.Duration
	timeout  time.Duration
	log      *slog.Logger
	observe  func(fixes int) // called after each group is written; may be nil
	running  atomic.Int32    // writers started
	flushing atomic.Int32    // writers writing a group
}

type pendingFix struct {
	fix    patrol.Fix
	queued time.Time
	done   chan fixOutcome // capacity 1, so a writer never blocks on a request that gave up
}

type fixOutcome struct {
	stored patrol.StoreOutcome
	err    error
}

// submit queues f for the next group commit and waits until it is committed (FixStored), found
// to be a duplicate (FixDuplicate) or off duty and not stored (FixOffDuty), or failed. When ctx
// ends first the fix may still be written later; a client that retries then gets a duplicate.
func (g *groupCommit) submit(ctx context.Context, f patrol.Fix) (patrol.StoreOutcome, error) {
	p := &pendingFix{fix: f, queued: time.Now(), done: make(chan fixOutcome, 1)}
	select {
	case g.queue <- p:
	default:
		return patrol.FixDuplicate, errIngestBusy
	}
	g.startWriter()
	select {
	case r := <-p.done:
		return r.stored, r.err
	case <-ctx.Done():
		return patrol.FixDuplicate, ctx.Err()
	}
}

// startWriter starts a writer unless writers are already running.
func (g *groupCommit) startWriter() {
	for {
		n := g.running.Load()
		if n >= g.writers {
			return
		}
		if g.running.CompareAndSwap(n, n+1) {
			go g.run()
			return
		}
	}
}

// run is one writer: gather a group, write it, repeat; stop after idle without work.
func (g *groupCommit) run() {
	idle := time.NewTimer(g.idle)
	defer idle.Stop()
	for {
		group := g.next(idle)
		if group == nil {
			g.running.Add(-1)
			// A fix queued while this writer was deciding to stop would otherwise wait for the
			// next request to start a writer: take it on again if there is room.
			if len(g.queue) == 0 {
				return
			}
			if n := g.running.Load(); n >= g.writers || !g.running.CompareAndSwap(n, n+1) {
				return
			}
			idle.Reset(g.idle)
			continue
		}
		g.flush(group)
		idle.Reset(g.idle)
	}
}

// next gathers one group, or returns nil when idle fires first.
func (g *groupCommit) next(idle *time.Timer) []*pendingFix {
	select {
	case g.gather <- struct{}{}:
	case <-idle.C:
		return nil
	}
	defer func() { <-g.gather }()
	var first *pendingFix
	select {
	case first = <-g.queue:
	case <-idle.C:
		return nil
	}
	group := []*pendingFix{first}
	if g.flushing.Load() == 0 {
		// No other group is being written, so no burst of answers (and of the next requests
		// they trigger) is about to arrive: take what is queued and write it at once.
		return g.drain(group)
	}
	wait := time.NewTimer(time.Until(first.queued.Add(g.window)))
	defer wait.Stop()
	for len(group) < g.max {
		select {
		case p := <-g.queue:
			group = append(group, p)
		case <-wait.C:
			return g.drain(group)
		}
	}
	return group
}

// drain adds what is already queued to group, up to max.
func (g *groupCommit) drain(group []*pendingFix) []*pendingFix {
	for len(group) < g.max {
		select {
		case p := <-g.queue:
			group = append(group, p)
		default:
			return group
		}
	}
	return group
}

// flush writes one group and answers its requests. When the group fails for a reason other than
// the database being unavailable, each fix is written alone, so that one bad fix cannot fail the
// fixes of other devices that happened to share its transaction.
func (g *groupCommit) flush(group []*pendingFix) {
	g.flushing.Add(1)
	defer g.flushing.Add(-1)
	ctx, cancel := context.WithTimeout(context.Background(), g.timeout)
	defer cancel()
	fixes := make([]patrol.Fix, len(group))
	for i, p := range group {
		fixes[i] = p.fix
	}
	stored, err := g.write(ctx, fixes)
	if err == nil {
		if g.observe != nil {
			g.observe(len(group))
		}
		for i, p := range group {
			p.done <- fixOutcome{stored: stored[i]}
		}
		return
	}
	if len(group) == 1 || errors.Is(err, patrol.ErrUnavailable) {
		for _, p := range group {
			p.done <- fixOutcome{err: err}
		}
		return
	}
	g.log.Warn("group commit failed; writing its fixes one by one", "fixes", len(group), "err", err)
	for _, p := range group {
		one, err := g.write(ctx, []patrol.Fix{p.fix})
		if err != nil {
			p.done <- fixOutcome{err: err}
			continue
		}
		p.done <- fixOutcome{stored: one[0]}
	}
}

// rejectThrottle keeps the rejection log readable when a phone that is not registered, or has
// the wrong key, sends every few seconds: the same (device, source, reason) is logged at most once
// per interval. Invalid fixes of a known device are always logged.
type rejectThrottle struct {
	every time.Duration
	max   int
	mu    sync.Mutex
	last  map[string]time.Time
}

func newRejectThrottle(every time.Duration, max int) *rejectThrottle {
	return &rejectThrottle{every: every, max: max, last: map[string]time.Time{}}
}

// allow reports whether an entry with this key should be written now.
func (t *rejectThrottle) allow(key string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if last, ok := t.last[key]; ok && now.Sub(last) < t.every {
		return false
	}
	if len(t.last) >= t.max {
		for k, at := range t.last {
			if now.Sub(at) >= t.every {
				delete(t.last, k)
			}
		}
		if len(t.last) >= t.max {
			clear(t.last)
		}
	}
	t.last[key] = now
	return true
}

// rejectAttempt logs a refused attempt (unknown device, missing or wrong key), throttled. A
// failure to log is logged, not answered: the request is refused either way.
func (g *ingester) rejectAttempt(c *gin.Context, r patrol.Rejection) {
	r.Addr = c.ClientIP()
	if !g.rejected.allow(r.DeviceIdent+"\x00"+r.Source+"\x00"+r.Reason+"\x00"+r.Addr, time.Now()) {
		return
	}
	if err := g.s.db.RejectMany(c.Request.Context(), []patrol.Rejection{r}); err != nil {
		g.s.log.Warn("could not write the rejection log", "source", r.Source, "device", r.DeviceIdent, "err", err)
	}
}
