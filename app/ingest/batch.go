package ingest

import (
	"context"
	"strconv"

	"github.com/patrolmap/patrolmap/patrol"
)

// Item is one fix of a batch as a protocol decoder read it, before its device is resolved and
// its caller authorized.
type Item struct {
	Ident   string             // the device id the item names; "" means the caller's own device
	Fix     patrol.Fix         // the validated fix, when Invalid is nil (UnitID and DeviceID unset)
	Invalid *patrol.FieldError // why the item is not a fix (Field and Reason)
	Raw     []byte             // the item as received, for the rejection log
}

// ItemRejection says why item Index of a batch was not stored.
type ItemRejection struct {
	Index  int
	Field  string
	Reason string
}

// BatchResult counts what became of a batch.
type BatchResult struct {
	Accepted   int
	Duplicates int
	// OffDuty counts the valid fixes deliberately not stored: their time lies outside every
	// assignment of their device and the unit does not keep off-duty fixes.
	OffDuty  int
	Rejected []ItemRejection
}

// ForbiddenDeviceError means the caller may not write the fixes of the device item Index
// names; nothing of the batch was stored.
type ForbiddenDeviceError struct {
	Index int
	Ident string
}

func (e *ForbiddenDeviceError) Error() string {
	return "you may not send fixes for device " + strconv.Quote(e.Ident)
}

func (e *ForbiddenDeviceError) Unwrap() error { return ErrForbidden }

// MaxIdentBytes bounds a device id; longer ids are never looked up.
const MaxIdentBytes = 128

// StoreBatch authorizes and stores a batch of decoded fixes (POST /api/v1/fixes, GPX uploads)
// in one transaction and returns only after commit. The valid fixes of devices the caller may
// write are stored (a fix already stored, or repeated in the batch, is a duplicate); the other
// items are listed with their index and reason, and written to the rejection log from address
// addr: the invalid ones each, an unknown device once per batch. A fix of a registered device the
// caller may not write refuses the whole batch (*ForbiddenDeviceError) and stores nothing. A
// failure to write the rejection log is logged, not returned: the fixes are committed by then.
func (s *Service) StoreBatch(ctx context.Context, caller patrol.Caller, items []Item, source, addr string) (BatchResult, error) {
	res := BatchResult{Rejected: []ItemRejection{}}
	auth := s.Writers(caller)
	idents := make([]string, 0, len(items))
	for _, it := range items {
		if ValidIdent(it.Ident) {
			idents = append(idents, it.Ident)
		}
	}
	if err := auth.Preload(ctx, idents); err != nil {
		return res, err
	}
	b := batchSort{source: source, addr: addr, unknown: map[string]bool{}, res: &res, fixes: make([]patrol.Fix, 0, len(items))}
	for i, it := range items {
		if err := b.sort(ctx, auth, i, it); err != nil {
			return BatchResult{}, err
		}
	}
	stored, err := s.write(ctx, b.fixes)
	if err != nil {
		return BatchResult{}, err
	}
	n := Count(stored)
	res.Accepted, res.Duplicates, res.OffDuty = n.Accepted, n.Duplicates, n.OffDuty
	if err := s.repo.RejectMany(ctx, b.rejections); err != nil {
		// The fixes are committed and the client is told what was refused; only the log entry
		// is missing, which is not worth making the client send the whole batch again.
		s.log.Warn("could not write the rejection log", "source", source, "entries", len(b.rejections), "err", err)
	}
	return res, nil
}

// batchSort sorts the items of one batch into fixes to store, rejected items and entries of the
// rejection log.
type batchSort struct {
	source, addr string
	unknown      map[string]bool // unknown device ids already logged
	res          *BatchResult
	fixes        []patrol.Fix
	rejections   []patrol.Rejection
}

func (b *batchSort) reject(i int, field, reason string) {
	b.res.Rejected = append(b.res.Rejected, ItemRejection{Index: i, Field: field, Reason: reason})
}

// sort takes item i: a fix to store, a rejection, or a *ForbiddenDeviceError for the batch.
func (b *batchSort) sort(ctx context.Context, auth *Writers, i int, it Item) error {
	if !ValidIdent(it.Ident) {
		if fe := it.Invalid; fe != nil {
			b.reject(i, fe.Field, fe.Reason)
		} else {
			b.reject(i, "device", IdentProblem)
		}
		return nil
	}
	d, err := auth.Device(ctx, it.Ident)
	if err != nil {
		return err
	}
	if d != nil {
		ok, err := auth.May(ctx, d)
		if err != nil {
			return err
		}
		if !ok {
			return &ForbiddenDeviceError{Index: i, Ident: d.Ident}
		}
	}
	switch {
	case it.Invalid != nil:
		b.reject(i, it.Invalid.Field, it.Invalid.Reason)
		r := patrol.Rejection{DeviceIdent: it.Ident, Source: b.source, Reason: it.Invalid.Field + ": " + it.Invalid.Reason, Raw: string(it.Raw), Addr: b.addr}
		if d != nil {
			r.UnitID, r.DeviceIdent = d.UnitID, d.Ident
		}
		b.rejections = append(b.rejections, r)
	case d == nil && it.Ident == "":
		b.reject(i, "device", "required")
	case d == nil:
		b.reject(i, "device", "unknown device "+strconv.Quote(it.Ident))
		if !b.unknown[it.Ident] {
			b.unknown[it.Ident] = true
			b.rejections = append(b.rejections, patrol.Rejection{DeviceIdent: it.Ident, Source: b.source, Reason: "unknown device", Raw: string(it.Raw), Addr: b.addr})
		}
	case !d.Active:
		b.reject(i, "device", "deactivated")
	default:
		f := it.Fix
		f.UnitID, f.DeviceID, f.Source = d.UnitID, d.ID, b.source
		b.fixes = append(b.fixes, f)
	}
	return nil
}

// Count adds up the outcomes of StoreFixes: stored, duplicates and off duty (not stored).
func Count(outcomes []patrol.StoreOutcome) patrol.IngestResult {
	var n patrol.IngestResult
	for _, o := range outcomes {
		switch o {
		case patrol.FixStored:
			n.Accepted++
		case patrol.FixOffDuty:
			n.OffDuty++
		default:
			n.Duplicates++
		}
	}
	return n
}
