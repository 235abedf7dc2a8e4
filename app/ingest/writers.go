package ingest

import (
	"context"
	"errors"

	"github.com/patrolmap/patrolmap/patrol"
)

// Writers resolves the device ids of one request and decides whether its caller may write
// their fixes (DESIGN.md's role table: admins and analysts within their scope, officers for a
// device assigned to them, a device's own secret for that device only), remembering answers for
// the length of the request.
type Writers struct {
	s       *Service
	caller  patrol.Caller
	devices map[string]*patrol.Device // nil value: unknown
	allowed map[int]bool
}

// Writers returns the authorizer of one request's caller.
func (s *Service) Writers(caller patrol.Caller) *Writers {
	return &Writers{s: s, caller: caller, devices: map[string]*patrol.Device{}, allowed: map[int]bool{}}
}

// Device returns the device with this id, or nil when none is registered. An empty id is the
// calling device itself.
func (w *Writers) Device(ctx context.Context, ident string) (*patrol.Device, error) {
	if d, ok := w.devices[ident]; ok {
		return d, nil
	}
	if w.caller.Kind == patrol.CallerDevice && (ident == "" || ident == w.caller.Device.Ident) {
		d := w.caller.Device
		w.devices[ident] = &d
		return &d, nil
	}
	if ident == "" {
		return nil, nil
	}
	gen := w.s.devices.Gen()
	if d, ok := w.s.devices.Get(ident, w.s.now()); ok {
		w.devices[ident] = &d
		return &d, nil
	}
	d, err := w.s.repo.DeviceByIdent(ctx, ident)
	if errors.Is(err, patrol.ErrNotFound) {
		w.devices[ident] = nil
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	w.s.devices.Put(ident, d, gen, w.s.now())
	w.devices[ident] = &d
	return &d, nil
}

// Preload resolves the ids a batch names with one query, so that a batch of many devices does
// not cost a query per device; ids found a moment ago (the Service's device cache) cost none.
// idents must be valid device ids; repeats are fine.
func (w *Writers) Preload(ctx context.Context, idents []string) error {
	var todo []string
	seen := map[string]bool{}
	now := w.s.now()
	gen := w.s.devices.Gen()
	for _, id := range idents {
		if id == "" || seen[id] || (w.caller.Kind == patrol.CallerDevice && id == w.caller.Device.Ident) {
			continue
		}
		if _, ok := w.devices[id]; ok {
			continue
		}
		seen[id] = true
		if d, ok := w.s.devices.Get(id, now); ok {
			w.devices[id] = &d
			continue
		}
		todo = append(todo, id)
	}
	if len(todo) < 2 {
		return nil
	}
	found, err := w.s.repo.DevicesByIdent(ctx, todo)
	if err != nil {
		return err
	}
	for _, id := range todo {
		if d, ok := found[id]; ok {
			w.s.devices.Put(id, d, gen, now)
			w.devices[id] = &d
		} else {
			w.devices[id] = nil
		}
	}
	return nil
}

// May reports whether the caller may write fixes of d.
func (w *Writers) May(ctx context.Context, d *patrol.Device) (bool, error) {
	if ok, seen := w.allowed[d.ID]; seen {
		return ok, nil
	}
	var ok bool
	switch w.caller.Kind {
	case patrol.CallerDevice:
		ok = d.ID == w.caller.Device.ID
	case patrol.CallerUser:
		switch w.caller.User.Role {
		case patrol.RoleAdmin, patrol.RoleAnalyst:
			ok = w.caller.InScope(d.UnitID)
		case patrol.RoleOfficer:
			if w.caller.InScope(d.UnitID) {
				var err error
				ok, err = w.s.repo.DeviceAssignedTo(ctx, d.ID, w.caller.User.ID)
				if err != nil {
					return false, err
				}
			}
		}
	}
	w.allowed[d.ID] = ok
	return ok, nil
}
