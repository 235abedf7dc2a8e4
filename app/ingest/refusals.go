package ingest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
)

// refusalThrottle keeps the rejection log readable when a phone that is not registered, or has
// the wrong key, sends every few seconds: the same (device, source, reason) is logged at most once
// per interval. Invalid fixes of a known device are always logged.
type refusalThrottle struct {
	every time.Duration
	max   int
	mu    sync.Mutex
	last  map[string]time.Time
}

func newRefusalThrottle(every time.Duration, max int) *refusalThrottle {
	return &refusalThrottle{every: every, max: max, last: map[string]time.Time{}}
}

// allow reports whether an entry with this key should be written now.
func (t *refusalThrottle) allow(key string, now time.Time) bool {
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

// LogRefusal writes a refused attempt (unknown device, missing or wrong key) to the rejection
// log, at most once per minute for the same device, protocol, reason and address, so that a
// phone knocking every few seconds keeps the log readable. A failure to log is logged: the
// request is refused either way.
func (s *Service) LogRefusal(ctx context.Context, r patrol.Rejection) {
	if !s.refusals.allow(r.DeviceIdent+"\x00"+r.Source+"\x00"+r.Reason+"\x00"+r.Addr, s.now()) {
		return
	}
	if err := s.repo.RejectMany(ctx, []patrol.Rejection{r}); err != nil {
		s.log.Warn("could not write the rejection log", "source", r.Source, "device", r.DeviceIdent, "err", err)
	}
}

// KeepRefused writes a request refused because its device is not registered or its key is
// missing or wrong to the rejection log and keeps it whole for Replay; it is not throttled (each
// copy may hold a different fix), but identical copies are folded into one entry. The device's
// kept requests are bounded at once, the total every TrimEvery requests and by Trim. A failure
// is logged: the request is refused either way.
func (s *Service) KeepRefused(ctx context.Context, k patrol.KeptRequest) {
	if k.DeviceIdent == "" {
		return
	}
	if err := s.repo.KeepRequest(ctx, k, s.keep.PerDevice); err != nil {
		s.log.Warn("could not keep a refused request", "source", k.Source, "device", k.DeviceIdent, "err", err)
		return
	}
	if s.kept.Add(1)%int64(s.trim) == 0 {
		if _, err := s.Trim(ctx); err != nil {
			s.log.Warn("could not trim the kept requests", "err", err)
		}
	}
}

// Trim deletes the kept requests older than the keep limits' MaxAge and those beyond their
// Total, and returns how many it deleted. serve calls it every hour.
func (s *Service) Trim(ctx context.Context) (int64, error) {
	return s.repo.TrimKeptRequests(ctx, s.keep.Total, s.now().Add(-s.keep.MaxAge))
}

// Candidate is one fix as a protocol decoder read it from a kept request.
type Candidate struct {
	Ident   string     // the device id the input names; "" means the request's own device
	Fix     patrol.Fix // the validated fix, when Invalid is nil (UnitID and DeviceID unset)
	Invalid error      // why the input is not a fix
}

// Decoder reads the fixes of a kept request, validating them as of the time it was received
// (a fix without a time of its own takes that time).
type Decoder func(k patrol.KeptRequest) ([]Candidate, error)

// ReplayResult counts what a replay did with the kept fixes.
type ReplayResult struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
	Rejected   int `json:"rejected"`
	// OffDuty counts the valid fixes deliberately not stored: outside every assignment of the
	// device, in a unit that does not keep off-duty fixes.
	OffDuty int `json:"off_duty"`
	// Requests is how many kept requests were replayed.
	Requests int `json:"requests"`
}

// Replay stores the fixes of the requests kept for a device id while it was refused, now that
// it is registered: each fix with its own time (or, when it had none, the time its request was
// received), exactly once (a fix already stored is a duplicate), and marks the requests replayed
// so that a second replay finds nothing. Only an admin whose scope holds the device may replay
// (ErrForbidden); an unknown id is patrol.ErrNotFound and a deactivated device patrol.ErrConflict.
// A fix naming another device, or not valid, counts as rejected. When writing fails, the requests
// stay kept for the next attempt.
func (s *Service) Replay(ctx context.Context, caller patrol.Caller, ident string, decode Decoder) (ReplayResult, patrol.Device, error) {
	var res ReplayResult
	d, err := s.repo.DeviceByIdent(ctx, ident)
	if err != nil {
		return res, d, err
	}
	if caller.Kind != patrol.CallerUser || caller.User.Role != patrol.RoleAdmin || !caller.InScope(d.UnitID) {
		return res, d, ErrForbidden
	}
	if !d.Active {
		return res, d, fmt.Errorf("device %q is deactivated: %w", ident, patrol.ErrConflict)
	}
	now := s.now()
	kept, err := s.repo.ClaimKeptRequests(ctx, d.Ident, now.Add(-s.keep.MaxAge), now)
	if err != nil {
		return res, d, err
	}
	res.Requests = len(kept)
	var fixes []patrol.Fix
	for _, k := range kept {
		cands, err := decode(k)
		if err != nil {
			res.Rejected++
			continue
		}
		for _, c := range cands {
			if c.Invalid != nil || (c.Ident != "" && c.Ident != d.Ident) {
				res.Rejected++
				continue
			}
			f := c.Fix
			f.UnitID, f.DeviceID, f.Source = d.UnitID, d.ID, k.Source
			fixes = append(fixes, f)
		}
	}
	outcomes, err := s.write(ctx, fixes)
	if err != nil {
		ids := make([]int64, len(kept))
		for i, k := range kept {
			ids[i] = k.ID
		}
		if uerr := s.repo.UnclaimKeptRequests(context.WithoutCancel(ctx), ids); uerr != nil {
			s.log.Error("could not give back the kept requests of a failed replay", "device", d.Ident, "err", uerr)
		}
		return ReplayResult{}, d, err
	}
	n := Count(outcomes)
	res.Accepted, res.Duplicates, res.OffDuty = n.Accepted, n.Duplicates, n.OffDuty
	return res, d, nil
}
