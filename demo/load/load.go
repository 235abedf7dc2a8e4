// Package load puts a generated demo ward (package demo) into the database through store's
// public API (store.LoadWard): the demo's own loader, so that the store does not depend on the
// generator.
package load

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/patrolmap/patrolmap/demo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store"
)

// Password is the password of every demo account. The demo is synthetic and serves on
// 127.0.0.1; real units create their own users.
const Password = "patrolmap-demo"

// Login is one account created for the demo ward.
type Login struct {
	Username, Role, FullName string
}

// Result says what Demo did.
type Result struct {
	Loaded    bool // false when the same seed and day were already loaded
	Fixes     int
	Incidents int
	Logins    []Login
}

// Logins lists the demo accounts: an admin, an analyst and one officer per device.
func Logins(w *demo.Ward) []Login {
	out := []Login{
		{Username: "admin", Role: string(patrol.RoleAdmin), FullName: "Quản trị viên (mô phỏng)"},
		{Username: "phantich", Role: string(patrol.RoleAnalyst), FullName: "Cán bộ phân tích (mô phỏng)"},
	}
	for _, o := range w.Officers {
		out = append(out, Login{Username: o.Username, Role: string(patrol.RoleOfficer), FullName: o.FullName})
	}
	return out
}

// Demo replaces the demo unit's data with the generated ward w in one transaction. It is
// idempotent: a second call for the same seed and day changes nothing.
func Demo(ctx context.Context, s *store.Store, w *demo.Ward) (Result, error) {
	res := Result{Logins: Logins(w)}
	ward, err := wardOf(w)
	if err != nil {
		return res, err
	}
	r, err := s.LoadWard(ctx, ward)
	res.Loaded, res.Fixes, res.Incidents = r.Loaded, r.Fixes, r.Incidents
	return res, err
}

func geoJSON(g orb.Geometry) (json.RawMessage, error) {
	return json.Marshal(geojson.NewGeometry(g))
}

// wardOf turns the generated ward into what store.LoadWard loads.
func wardOf(w *demo.Ward) (store.WardLoad, error) {
	boundary, err := geoJSON(w.Boundary)
	if err != nil {
		return store.WardLoad{}, fmt.Errorf("demo boundary: %w", err)
	}
	first, last := w.FixSpan()
	through := w.Until // a live play (demo/live) goes on from the moment of loading,
	if through.IsZero() {
		through = last // or from the end of the last shift when the whole ward is loaded
	}
	out := store.WardLoad{
		Unit: patrol.Unit{Code: w.Code, Name: w.Name, TimeZone: w.TimeZone, Boundary: boundary,
			NightStart: w.NightStart, NightEnd: w.NightEnd, H3Res: w.H3Res},
		FixFrom: first, FixTo: last, Seed: w.Seed, Day: w.Day.Format(time.DateOnly), Through: through,
		Fixes: func(fn func(patrol.StoredFix) error) error {
			return w.Fixes(func(f demo.PhoneFix) error { return fn(storedFix(f)) })
		},
	}
	for _, a := range append(append([]demo.Area{}, w.Groups...), w.KeyAreas...) {
		g, err := geoJSON(a.Geometry)
		if err != nil {
			return out, fmt.Errorf("demo area %s: %w", a.Name, err)
		}
		out.Areas = append(out.Areas, patrol.Area{Kind: a.Kind, Name: a.Name, Geometry: g, BufferM: a.BufferM,
			RequiredNightVisits: a.RequiredNightVisits, MinDwellMin: a.MinDwellMin})
	}
	for _, r := range w.Roads {
		g, err := geoJSON(r.Line)
		if err != nil {
			return out, fmt.Errorf("demo road %s: %w", r.Name, err)
		}
		out.Roads = append(out.Roads, patrol.Road{Name: r.Name, Geometry: g})
	}
	for _, l := range Logins(w) {
		out.Accounts = append(out.Accounts, store.WardAccount{Username: l.Username, FullName: l.FullName, Role: patrol.Role(l.Role), Password: Password})
	}
	for _, o := range w.Officers {
		out.Devices = append(out.Devices, store.WardDevice{Ident: o.DeviceID, Name: "Điện thoại " + o.FullName, Username: o.Username})
	}
	for _, in := range w.Incidents {
		out.Incidents = append(out.Incidents, patrol.Incident{ExternalID: in.ExternalID, Time: in.Time, Lat: in.Point[1], Lon: in.Point[0],
			Category: in.Category, Severity: in.Severity, Status: in.Status, Description: in.Description, Source: "demo"})
	}
	return out, nil
}

// storedFix is a demo fix as stored: received 2 s after it was taken, or 3 h when the phone
// buffered it.
func storedFix(f demo.PhoneFix) patrol.StoredFix {
	received := f.Time.Add(2 * time.Second)
	if f.Late {
		received = f.Time.Add(3 * time.Hour)
	}
	return patrol.StoredFix{DeviceIdent: f.Device, ReceivedAt: received, Fix: f.Fix}
}
