package store

import (
	"time"

	"github.com/patrolmap/patrolmap/ttlcache"
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
// tail hint, no round trip before its COPY.
type dutyCache = ttlcache.Cache[int, *deviceDuty]

// lookupDuties fills duty with the cached duties of devices (those with assignments) and returns
// the devices the cache does not know, and the generation to hand back to putDuties.
func lookupDuties(c *dutyCache, devices []int, duty map[int]*deviceDuty, now time.Time) (missing []int, gen uint64) {
	gen = c.Gen()
	for _, d := range devices {
		dd, ok := c.Get(d, now)
		if !ok {
			missing = append(missing, d)
			continue
		}
		if dd != nil {
			duty[d] = dd
		}
	}
	return missing, gen
}

// putDuties remembers the duties read of devices (absent from duty: no assignment), unless the
// cache was cleared since gen. A device with more than dutyMaxPeriods assignments is not kept.
// Entries are shared read-only.
func putDuties(c *dutyCache, devices []int, duty map[int]*deviceDuty, gen uint64, now time.Time) {
	for _, d := range devices {
		dd := duty[d]
		if dd != nil && len(dd.periods) > dutyMaxPeriods {
			continue
		}
		c.Put(d, dd, gen, now)
	}
}
