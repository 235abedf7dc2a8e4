package store

import (
	"math"
	"sync"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
)

// deviceTails remembers, per device, what StoreFixes knows of the device's stored track from
// its own writes: the time of its latest stored fix and its latest stored fix that no ignored
// flag marks. Phones and gateways send a device's fixes in time order, so a new batch usually
// starts after everything stored: then StoreFixes needs neither the previous-fix probe nor the
// stored-keys probe for that device, only the duty read, which it always does.
//
// It is a hint, never trusted for exactness: a fix written meanwhile by another process (an
// import through the CLI, a second server) that collides with a batch makes the COPY fail on
// the primary key, and StoreFixes then writes the batch again through INSERT … ON CONFLICT,
// which counts it as a duplicate. What a stale hint can change is only the jump flag judged at
// ingest, which the coverage rollups judge afresh anyway (rollup.go). Fixes deleted meanwhile
// (retention) leave the hint later than the truth, which is on the safe side.
type deviceTails struct {
	mu  sync.Mutex
	max int
	m   map[int]deviceTail
}

type deviceTail struct {
	latest  time.Time  // no stored fix of the device is later
	prev    patrol.Fix // the latest stored fix with no ignored flag, when hasPrev
	hasPrev bool
}

func newDeviceTails(max int) *deviceTails {
	return &deviceTails{max: max, m: map[int]deviceTail{}}
}

// after returns what is known of a device whose batch starts at lo: ok when everything stored
// of it is before lo, and then its latest stored fix with no ignored flag (hasPrev false when
// none is known).
func (t *deviceTails) after(device int, lo time.Time) (prev patrol.Fix, hasPrev, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, found := t.m[device]
	if !found || !lo.After(e.latest) {
		return patrol.Fix{}, false, false
	}
	return e.prev, e.hasPrev, true
}

// wrote records a write of device fixes rows (flagged, in any order) that started after
// everything stored of the device: latest stored before the write and its latest stored fix
// with no ignored flag (prev, when hasPrev). probed says that latest and prev were read from
// the database by this write rather than taken from the hint: then they replace what the hint
// held even when it was later (fixes deleted meanwhile: a TRUNCATE, retention), which would
// otherwise keep every later batch of the device probing the database.
func (t *deviceTails) wrote(device int, rows []patrol.Fix, latest time.Time, prev patrol.Fix, hasPrev, probed bool) {
	e := deviceTail{latest: latest, prev: prev, hasPrev: hasPrev}
	for _, f := range rows {
		if f.Time.After(e.latest) {
			e.latest = f.Time
		}
		if f.Flags&patrol.FlagsIgnored == 0 && (!e.hasPrev || f.Time.After(e.prev.Time)) {
			e.prev = patrol.Fix{Time: f.Time, Lat: f.Lat, Lon: f.Lon, Speed: math.NaN()}
			e.hasPrev = true
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if old, ok := t.m[device]; ok && !probed && old.latest.After(e.latest) {
		return // a later write of the same device got here first
	}
	if len(t.m) >= t.max {
		clear(t.m)
	}
	t.m[device] = e
}

// forget drops what is known of the devices.
func (t *deviceTails) forget(devices []int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, d := range devices {
		delete(t.m, d)
	}
}
