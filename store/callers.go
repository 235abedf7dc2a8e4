package store

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
)

// callerTTL is how long CallerByToken trusts a token it checked without asking the database
// again. Every change this Store makes to tokens and users (revoke, password, disable, role,
// scope) forgets all entries at once; only a change made by another process or by hand in SQL
// waits for the TTL.
const callerTTL = 10 * time.Second

// callerCache remembers the callers of bearer tokens checked a moment ago, keyed by the
// token's SHA-256, so that a client posting batch after batch (a gateway, a bulk upload) pays
// no query per request for its token. Failures are never cached. A generation counter keeps a
// lookup that raced with a revocation from putting back what the revocation forgot.
type callerCache struct {
	ttl time.Duration
	max int
	mu  sync.Mutex
	gen uint64
	m   map[[sha256.Size]byte]cachedCaller
}

type cachedCaller struct {
	caller  patrol.Caller
	expires time.Time
}

func newCallerCache(ttl time.Duration, max int) *callerCache {
	return &callerCache{ttl: ttl, max: max, m: map[[sha256.Size]byte]cachedCaller{}}
}

// get returns the cached caller of a token hash and the generation to hand back to put.
func (c *callerCache) get(key [sha256.Size]byte, now time.Time) (patrol.Caller, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if ok && now.Before(e.expires) {
		return e.caller, c.gen, true
	}
	delete(c.m, key)
	return patrol.Caller{}, c.gen, false
}

// put remembers a caller read from the database, unless the cache was cleared since gen.
func (c *callerCache) put(key [sha256.Size]byte, caller patrol.Caller, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[key] = cachedCaller{caller: caller, expires: now.Add(c.ttl)}
}

// forgetAll drops every entry; lookups in flight will not put theirs back.
func (c *callerCache) forgetAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}
