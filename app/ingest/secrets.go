package ingest

import (
	"context"
	"crypto/sha256"

	"github.com/patrolmap/patrolmap/patrol"
)

// DeviceCaller returns the active device whose secret this is, from the cache when the secret
// was checked less than the secret TTL ago: a SHA-256 and a map lookup instead of a query.
// Failures are never cached.
func (s *Service) DeviceCaller(ctx context.Context, secret string) (patrol.Caller, error) {
	key := sha256.Sum256([]byte(secret))
	gen := s.secrets.Gen()
	if c, ok := s.secrets.Get(key, s.now()); ok {
		return c, nil
	}
	c, err := s.repo.CallerByDeviceSecret(ctx, secret)
	if err != nil {
		return c, err
	}
	s.secrets.Put(key, c, gen, s.now())
	return c, nil
}

// ForgetDeviceSecrets drops the cached checks of a device's secret and its cached record
// (deviceID 0: of every device), so that a rotated secret, a deactivated or moved device takes
// effect at once. Another process (the CLI) cannot reach these caches; there the change takes
// effect within the TTL.
func (s *Service) ForgetDeviceSecrets(deviceID int) {
	s.secrets.Forget(func(c patrol.Caller) bool { return deviceID == 0 || c.Device.ID == deviceID })
	s.devices.Forget(func(d patrol.Device) bool { return deviceID == 0 || d.ID == deviceID })
}
