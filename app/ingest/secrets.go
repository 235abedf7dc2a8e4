package ingest

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
)

// DeviceCaller returns the active device whose secret this is, from the cache when the secret
// was checked less than the secret TTL ago: a SHA-256 and a map lookup instead of a query.
// Failures are never cached.
func (s *Service) DeviceCaller(ctx context.Context, secret string) (patrol.Caller, error) {
	key := sha256.Sum256([]byte(secret))
	if c, ok := s.secrets.get(key); ok {
		return c, nil
	}
	c, err := s.repo.CallerByDeviceSecret(ctx, secret)
	if err != nil {
		return c, err
	}
	s.secrets.put(key, c)
	return c, nil
}

// ForgetDeviceSecrets drops the cached checks of a device's secret and its cached record
// (deviceID 0: of every device), so that a rotated secret, a deactivated or moved device takes
// effect at once. Another process (the CLI) cannot reach these caches; there the change takes
// effect within the TTL.
func (s *Service) ForgetDeviceSecrets(deviceID int) {
	s.secrets.forget(deviceID)
	s.devices.forget(deviceID)
}

// deviceCache maps device ids (the text the apps send) to registered devices for a short time,
// so that a batch naming devices seen a moment ago costs no query. Only devices found are
// cached: a device registered a moment ago is found at once.
type deviceCache struct {
	ttl time.Duration
	max int
	mu  sync.Mutex
	m   map[string]cachedDevice
}

type cachedDevice struct {
	device  patrol.Device
	expires time.Time
}

func newDeviceCache(ttl time.Duration, max int) *deviceCache {
	return &deviceCache{ttl: ttl, max: max, m: map[string]cachedDevice{}}
}

func (c *deviceCache) get(ident string, now time.Time) (patrol.Device, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[ident]
	if !ok || !now.Before(e.expires) {
		return patrol.Device{}, false
	}
	return e.device, true
}

func (c *deviceCache) put(d patrol.Device, now time.Time) {
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
	c.m[d.Ident] = cachedDevice{device: d, expires: now.Add(c.ttl)}
}

// forget drops one device (by its database id), or every device when deviceID is 0.
func (c *deviceCache) forget(deviceID int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if deviceID == 0 || e.device.ID == deviceID {
			delete(c.m, k)
		}
	}
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
