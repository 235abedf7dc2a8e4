package ingest

import (
	"context"
	"errors"
	"strconv"

	"github.com/patrolmap/patrolmap/patrol"
)

// RefusalKind says why a tracker report was refused; api answers each with its status.
type RefusalKind int

const (
	// RefusedBadIdent: the report names no valid device id (400).
	RefusedBadIdent RefusalKind = iota + 1
	// RefusedUnauthenticated: no credentials, or a key that is unknown or revoked (401).
	RefusedUnauthenticated
	// RefusedForbidden: the key of another device, a caller who may not write the device, or a
	// deactivated device (403).
	RefusedForbidden
	// RefusedUnknown: no device has this id (404).
	RefusedUnknown
)

// Refusal is why a single-fix report (OsmAnd, Traccar, OwnTracks) was refused: the reason for
// the answer and the rejection log, and the request field at fault.
type Refusal struct {
	Kind    RefusalKind
	Reason  string
	Field   string
	Message string
}

func (r *Refusal) Error() string { return r.Reason }

// TrackerReport is what TrackerDevice needs of one single-fix report.
type TrackerReport struct {
	Source     string        // "osmand" or "owntracks"
	Caller     patrol.Caller // what the request authenticated as (CallerNone: anonymous)
	Ident      string        // the device id the report names ("" when none)
	IdentField string        // the request field that holds it
	Key        string        // the device secret the report itself carries ("" when none)
	// BasicRefused says that the request's Basic credentials (user BasicUser) matched no
	// device or carried a wrong password (OwnTracks); the report is then BasicUser's.
	BasicRefused bool
	BasicUser    string
	Addr         string
	Raw          func() []byte // the request as the rejection log shows it
	// Keep returns the request as kept for a replay, or nil when it holds no fix a replay
	// could store.
	Keep func() *patrol.KeptRequest
}

// keyField is the request field of the device's secret.
func (r TrackerReport) keyField() string {
	if r.Source == "owntracks" {
		return "authorization"
	}
	return "key"
}

// TrackerDevice authenticates the device of a single-fix report: by the key the report carries,
// or by the credentials the request authenticated with (a device secret as bearer token or Basic
// auth, or a user token for a device the user may write). A refusal is a *Refusal, logged (at
// most once a minute for the same device, protocol, reason and address); when the device is not
// registered, or its key is missing or wrong, and the report holds a fix, the request is kept
// whole for a replay once the device is registered.
func (s *Service) TrackerDevice(ctx context.Context, r TrackerReport) (patrol.Device, error) {
	if !ValidIdent(r.Ident) {
		s.LogRefusal(ctx, patrol.Rejection{DeviceIdent: r.Ident, Source: r.Source, Reason: "not a device id", Raw: string(r.Raw()), Addr: r.Addr})
		return patrol.Device{}, &Refusal{RefusedBadIdent, "not a device id", r.IdentField, IdentProblem}
	}
	if r.BasicRefused {
		r.Ident = r.BasicUser
		return patrol.Device{}, s.refuse(ctx, r, &Refusal{RefusedUnauthenticated, "unknown or revoked device key", r.keyField(), "unknown or revoked"}, true)
	}
	caller := r.Caller
	if r.Key != "" {
		cl, err := s.DeviceCaller(ctx, r.Key)
		if errors.Is(err, patrol.ErrNotFound) {
			return patrol.Device{}, s.refuse(ctx, r, &Refusal{RefusedUnauthenticated, "unknown or revoked device key", "key", "unknown or revoked"}, true)
		}
		if err != nil {
			return patrol.Device{}, err
		}
		caller = cl
	}
	switch caller.Kind {
	case patrol.CallerDevice:
		if r.Ident != "" && r.Ident != caller.Device.Ident {
			return patrol.Device{}, s.refuse(ctx, r, &Refusal{RefusedForbidden, "the key belongs to another device", r.IdentField, "does not match the device of the key"}, true)
		}
		return caller.Device, nil
	case patrol.CallerUser:
		return s.userTrackerDevice(ctx, r, caller)
	}
	if r.Ident == "" {
		return patrol.Device{}, s.refuse(ctx, r, &Refusal{RefusedUnauthenticated, "no device credentials", r.keyField(), "required: the device's secret"}, false)
	}
	_, err := s.repo.DeviceByIdent(ctx, r.Ident)
	if errors.Is(err, patrol.ErrNotFound) {
		return patrol.Device{}, s.refuse(ctx, r, &Refusal{RefusedUnknown, "unknown device", r.IdentField, "unknown device " + strconv.Quote(r.Ident)}, true)
	}
	if err != nil {
		return patrol.Device{}, err
	}
	return patrol.Device{}, s.refuse(ctx, r, &Refusal{RefusedUnauthenticated, "no device credentials", r.keyField(), "required: the device's secret"}, true)
}

// userTrackerDevice is TrackerDevice for a report sent with a user's token.
func (s *Service) userTrackerDevice(ctx context.Context, r TrackerReport, caller patrol.Caller) (patrol.Device, error) {
	auth := s.Writers(caller)
	d, err := auth.Device(ctx, r.Ident)
	if err != nil {
		return patrol.Device{}, err
	}
	if d == nil {
		return patrol.Device{}, s.refuse(ctx, r, &Refusal{RefusedUnknown, "unknown device", r.IdentField, "unknown device " + strconv.Quote(r.Ident)}, false)
	}
	ok, err := auth.May(ctx, d)
	if err != nil {
		return patrol.Device{}, err
	}
	if !ok {
		// Not logged: the caller is known and the device is registered.
		return patrol.Device{}, &Refusal{RefusedForbidden, "you may not send fixes for device " + strconv.Quote(d.Ident), r.IdentField, "not allowed for this caller"}
	}
	if !d.Active {
		return patrol.Device{}, s.refuse(ctx, r, &Refusal{RefusedForbidden, "device deactivated", r.IdentField, "deactivated"}, false)
	}
	return *d, nil
}

// refuse logs a refused report, or keeps it for a replay when keepable and it holds a fix, and
// returns the refusal.
func (s *Service) refuse(ctx context.Context, r TrackerReport, why *Refusal, keepable bool) *Refusal {
	if keepable && r.Ident != "" {
		if k := r.Keep(); k != nil {
			k.DeviceIdent, k.Reason, k.Raw, k.Addr = r.Ident, why.Reason, string(r.Raw()), r.Addr
			s.KeepRefused(ctx, *k)
			return why
		}
	}
	s.LogRefusal(ctx, patrol.Rejection{DeviceIdent: r.Ident, Source: r.Source, Reason: why.Reason, Raw: string(r.Raw()), Addr: r.Addr})
	return why
}
