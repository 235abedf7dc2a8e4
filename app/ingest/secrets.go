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

// ForgetDeviceSecrets drops the cached checks of a device's secret (deviceID 0: of every
// device), so that a rotated secret or a deactivated device stops working at once. Another
// process (the CLI) cannot reach this cache; there the change takes effect within the TTL.
func (s *Service) ForgetDeviceSecrets(deviceID int) { s.secrets.forget(deviceID) }

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
