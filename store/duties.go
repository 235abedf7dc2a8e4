package store

import (
	"sync"
	"time"
)

// dutyTTL is how long StoreFixes trusts what it read of a device's assignments and its unit's
// off-duty choice. Every change this Store makes to them (assignments created, assigned or
// ended; a unit updated) forgets all entries at once; only a change made by another process (a
// second server) or by hand in SQL waits for the TTL.
const dutyTTL = 10 * time.Second

// dutyMaxPeriods bounds the assignments kept per device; a device with more is read every time.
const dutyMaxPeriods = 64

// dutyCache remembers, per device, its deviceDuty (nil: no assignment at all, a unit device
// always on duty), so that a batch of devices seen a moment ago needs no duty read: with the
// tail hint, no round trip before its COPY. A generation counter keeps a read that raced with a
// change from putting back what the change forgot.
type dutyCache struct {
	ttl time.Duration
	max int
	mu  sync.Mutex
	gen uint64
	m   map[int]cachedDuty
}

type cachedDuty struct {
	duty    *deviceDuty // nil: the device has no assignment
	expires time.Time
}

func newDutyCache(ttl time.Duration, max int) *dutyCache {
	return &dutyCache{ttl: ttl, max: max, m: map[int]cachedDuty{}}
}

// lookup fills duty with the cached duties of devices (those with assignments) and returns the
// devices it does not know, and the generation to hand back to put.
func (c *dutyCache) lookup(devices []int, duty map[int]*deviceDuty, now time.Time) (missing []int, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range devices {
		e, ok := c.m[d]
		if !ok || !now.Before(e.expires) {
			missing = append(missing, d)
			continue
		}
		if e.duty != nil {
			duty[d] = e.duty
		}
	}
	return missing, c.gen
}

// put remembers the duties read of devices (absent from duty: no assignment), unless the cache
// was cleared since gen. Entries are shared read-only.
func (c *dutyCache) put(devices []int, duty map[int]*deviceDuty, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.m)+len(devices) > c.max {
		clear(c.m)
	}
	for _, d := range devices {
		dd := duty[d]
		if dd != nil && len(dd.periods) > dutyMaxPeriods {
			continue
		}
		c.m[d] = cachedDuty{duty: dd, expires: now.Add(c.ttl)}
	}
}

// forgetAll drops every entry; reads in flight will not put theirs back.
func (c *dutyCache) forgetAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}
