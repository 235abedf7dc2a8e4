// Package ingest holds the use cases of receiving fixes, between the protocol decoders and
// handlers of api and the database: who may write a device's fixes, the group commit that
// writes the fixes of concurrent single-fix requests together, the cache of device secrets,
// the rejection log (throttled), and the refused requests kept for replay once their device is
// registered. It declares the storage it needs (Repository) and tests itself on fakes.
package ingest

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/ttlcache"
)

// Repository is the storage ingest needs; store.Store implements it.
type Repository interface {
	// StoreFixes writes fixes in one transaction, computing and storing their quality flags,
	// and reports for each whether it was stored, a duplicate or off duty and not stored. It
	// returns only after commit.
	StoreFixes(ctx context.Context, fixes []patrol.Fix) ([]patrol.StoreOutcome, error)
	// RejectMany writes entries to the rejection log in one statement.
	RejectMany(ctx context.Context, list []patrol.Rejection) error
	// DeviceByIdent returns the device with this id (patrol.ErrNotFound when none).
	DeviceByIdent(ctx context.Context, ident string) (patrol.Device, error)
	// DevicesByIdent returns the registered devices among idents, keyed by ident.
	DevicesByIdent(ctx context.Context, idents []string) (map[string]patrol.Device, error)
	// DeviceAssignedTo reports whether the device is assigned to the user now.
	DeviceAssignedTo(ctx context.Context, deviceID int, userID int64) (bool, error)
	// CallerByDeviceSecret returns the active device whose secret this is (patrol.ErrNotFound
	// when none).
	CallerByDeviceSecret(ctx context.Context, secret string) (patrol.Caller, error)

	// KeepRequest logs a refused request and keeps it whole, folding identical copies, and
	// deletes the device's kept requests beyond the newest perDevice.
	KeepRequest(ctx context.Context, k patrol.KeptRequest, perDevice int) error
	// TrimKeptRequests deletes the kept requests received before `before` and those beyond
	// the newest total.
	TrimKeptRequests(ctx context.Context, total int, before time.Time) (int64, error)
	// ClaimKeptRequests marks a device id's kept requests since `since`, not replayed yet, as
	// replayed at `at`, and returns them in arrival order.
	ClaimKeptRequests(ctx context.Context, ident string, since, at time.Time) ([]patrol.KeptRequest, error)
	// UnclaimKeptRequests undoes ClaimKeptRequests.
	UnclaimKeptRequests(ctx context.Context, ids []int64) error
}

// Config holds the settings of a Service; zero values take the defaults.
type Config struct {
	Now  func() time.Time // the clock; time.Now when nil
	Log  *slog.Logger
	Keep patrol.KeepLimits // DefaultKeepLimits when zero
	// TrimEvery is how many kept requests are written between two trims to Keep.Total (the
	// hourly Trim bounds it too); default 100.
	TrimEvery int
	// SecretTTL is how long a checked device secret, and a device looked up by its id, is
	// trusted without asking the database again (default 30 s).
	SecretTTL time.Duration
}

// DefaultKeepLimits bound the refused requests kept for replay: a phone reporting every 5 s
// for a whole night sends about 5,000; identical retries count once.
var DefaultKeepLimits = patrol.KeepLimits{PerDevice: 20000, Total: 200000, MaxAge: 14 * 24 * time.Hour}

// Tuning of the group commit and caches, measured on 2 cores (docs/BENCHMARKS.md).
const (
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
	// full is refused with ErrBusy instead of waiting without bound.
	groupCommitQueue = 4096
	// groupCommitTimeout bounds one group commit's transaction.
	groupCommitTimeout = 15 * time.Second

	// refusalEvery is how often the same refusal (device, protocol, reason, address) is logged.
	refusalEvery = time.Minute
)

// ErrBusy means too many fixes are waiting to be written: answer 503 with Retry-After.
var ErrBusy = errors.New("too many fixes waiting to be written")

// ErrForbidden means the caller may not do this with that device.
var ErrForbidden = errors.New("forbidden")

// Service is the ingest use cases over one Repository. It holds state (the group commit, the
// secret cache, the refusal throttle), so one Service serves the whole process.
type Service struct {
	repo     Repository
	now      func() time.Time
	log      *slog.Logger
	keep     patrol.KeepLimits
	trim     int
	kept     atomic.Int64 // kept requests written, for TrimEvery
	fixes    *groupCommit
	secrets  *ttlcache.Cache[[32]byte, patrol.Caller] // device callers by their secret's SHA-256
	devices  *ttlcache.Cache[string, patrol.Device]   // registered devices by ident
	refusals *refusalThrottle
	// Observe, when set, is called after each group commit with its size (metrics).
	Observe func(fixes int)
	// ObserveWrite, when set, is called after each successful write of fixes to the repository
	// (a batch, a group commit, a replay) with its size and how long the write took, its commit
	// included (metrics: how much of a request the database's part is).
	ObserveWrite func(fixes int, took time.Duration)
}

// write stores fixes through the repository in one transaction, timing it for ObserveWrite.
func (s *Service) write(ctx context.Context, fixes []patrol.Fix) ([]patrol.StoreOutcome, error) {
	start := time.Now()
	out, err := s.repo.StoreFixes(ctx, fixes)
	if err == nil && len(fixes) > 0 && s.ObserveWrite != nil {
		s.ObserveWrite(len(fixes), time.Since(start))
	}
	return out, err
}

// New returns a Service over repo.
func New(repo Repository, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Keep == (patrol.KeepLimits{}) {
		cfg.Keep = DefaultKeepLimits
	}
	if cfg.TrimEvery <= 0 {
		cfg.TrimEvery = 100
	}
	if cfg.SecretTTL <= 0 {
		cfg.SecretTTL = 30 * time.Second
	}
	s := &Service{repo: repo, now: cfg.Now, log: cfg.Log, keep: cfg.Keep, trim: cfg.TrimEvery,
		secrets:  ttlcache.New[[32]byte, patrol.Caller](cfg.SecretTTL, secretCacheSize),
		devices:  ttlcache.New[string, patrol.Device](cfg.SecretTTL, secretCacheSize),
		refusals: newRefusalThrottle(refusalEvery, 10000)}
	s.fixes = &groupCommit{
		write:   s.write,
		queue:   make(chan *pendingFix, groupCommitQueue),
		gather:  make(chan struct{}, 1),
		window:  groupCommitWindow,
		max:     groupCommitMax,
		writers: groupCommitWriters,
		idle:    5 * time.Second,
		timeout: groupCommitTimeout,
		log:     cfg.Log,
		observe: func(n int) {
			if s.Observe != nil {
				s.Observe(n)
			}
		},
	}
	return s
}

// Submit queues one fix for the next group commit and waits until it is committed
// (patrol.FixStored), found to be a duplicate or off duty, or failed (ErrBusy when the queue is
// full). When ctx ends first the fix may still be written later; a retry is then a duplicate.
func (s *Service) Submit(ctx context.Context, f patrol.Fix) (patrol.StoreOutcome, error) {
	return s.fixes.submit(ctx, f)
}

// StoreFixes writes a batch in one transaction (the bulk path: /api/v1/fixes, GPX, OwnTracks
// lists), answering after commit.
func (s *Service) StoreFixes(ctx context.Context, fixes []patrol.Fix) ([]patrol.StoreOutcome, error) {
	return s.write(ctx, fixes)
}
