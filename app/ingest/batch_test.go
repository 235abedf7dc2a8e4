package ingest_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/app/ingest"
	"github.com/patrolmap/patrolmap/patrol"
)

// TestStoreBatchSortsEveryItem: one batch of every kind of item — stored, repeated, invalid,
// unknown device (logged once), deactivated device, no device, an id that is not one — gives
// each its outcome, stores only the valid fixes of writable devices, and logs the invalid
// items and the unknown device with the caller's address.
func TestStoreBatchSortsEveryItem(t *testing.T) {
	repo := newFakeRepo()
	repo.addDevice(1, 1, "p1", true)
	repo.addDevice(2, 1, "off", false)
	svc := ingest.New(repo, ingest.Config{Log: quiet()})
	fix := func(sec int) patrol.Fix {
		return patrol.Fix{Time: t0.Add(time.Duration(sec) * time.Second), Lat: 21.47, Lon: 105.85}
	}
	items := []ingest.Item{
		{Ident: "p1", Fix: fix(0)},
		{Ident: "p1", Fix: fix(0)},
		{Ident: "p1", Invalid: patrol.Invalid("lat", "must be −90 to 90"), Raw: []byte(`{"lat":99}`)},
		{Ident: "ghost", Fix: fix(5), Raw: []byte(`{"device":"ghost"}`)},
		{Ident: "ghost", Fix: fix(10)},
		{Ident: "off", Fix: fix(5)},
		{Ident: "", Fix: fix(5)},
		{Ident: "bad\x00id", Fix: fix(5)},
	}
	res, err := svc.StoreBatch(context.Background(), admin(1), items, "api", "10.0.0.7")
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != 1 || res.Duplicates != 1 || res.OffDuty != 0 {
		t.Errorf("accepted %d, duplicates %d, off duty %d; want 1, 1, 0", res.Accepted, res.Duplicates, res.OffDuty)
	}
	want := []ingest.ItemRejection{
		{Index: 2, Field: "lat", Reason: "must be −90 to 90"},
		{Index: 3, Field: "device", Reason: `unknown device "ghost"`},
		{Index: 4, Field: "device", Reason: `unknown device "ghost"`},
		{Index: 5, Field: "device", Reason: "deactivated"},
		{Index: 6, Field: "device", Reason: "required"},
		{Index: 7, Field: "device", Reason: ingest.IdentProblem},
	}
	if !reflect.DeepEqual(res.Rejected, want) {
		t.Errorf("rejected\n%+v\nwant\n%+v", res.Rejected, want)
	}
	if len(repo.fixes) != 1 {
		t.Errorf("%d fixes stored, want 1", len(repo.fixes))
	}
	for _, f := range repo.fixes {
		if f.UnitID != 1 || f.DeviceID != 1 || f.Source != "api" {
			t.Errorf("stored fix %+v: want unit 1, device 1, source api", f)
		}
	}
	if len(repo.rejected) != 2 || repo.rejected[0].Reason != "lat: must be −90 to 90" || repo.rejected[0].UnitID != 1 ||
		repo.rejected[1].Reason != "unknown device" || repo.rejected[1].Raw != `{"device":"ghost"}` || repo.rejected[1].Addr != "10.0.0.7" {
		t.Errorf("rejection log %+v", repo.rejected)
	}
}

// TestStoreBatchForbiddenStoresNothing: a batch holding one fix of a device the caller may not
// write (an officer's batch naming a device not assigned to them; a device's secret naming
// another device) is refused whole, naming the item.
func TestStoreBatchForbiddenStoresNothing(t *testing.T) {
	repo := newFakeRepo()
	mine := repo.addDevice(1, 1, "mine", true)
	repo.addDevice(2, 1, "theirs", true)
	repo.assigned[[2]int64{1, 5}] = true
	svc := ingest.New(repo, ingest.Config{Log: quiet()})
	officer := patrol.Caller{Kind: patrol.CallerUser, User: patrol.User{ID: 5, Role: patrol.RoleOfficer, UnitID: 1}}
	device := patrol.Caller{Kind: patrol.CallerDevice, Device: mine}
	for name, caller := range map[string]patrol.Caller{"officer": officer, "device secret": device} {
		items := []ingest.Item{{Ident: "mine", Fix: patrol.Fix{Time: t0}}, {Ident: "theirs", Fix: patrol.Fix{Time: t0}}}
		_, err := svc.StoreBatch(context.Background(), caller, items, "api", "")
		var fe *ingest.ForbiddenDeviceError
		if !errors.As(err, &fe) || fe.Index != 1 || fe.Ident != "theirs" || !errors.Is(err, ingest.ErrForbidden) {
			t.Errorf("%s: %v, want item 1 forbidden", name, err)
		}
	}
	if len(repo.fixes) != 0 {
		t.Errorf("%d fixes stored by refused batches", len(repo.fixes))
	}
	// The calling device's own fixes need no id.
	res, err := svc.StoreBatch(context.Background(), device, []ingest.Item{{Fix: patrol.Fix{Time: t0}}}, "api", "")
	if err != nil || res.Accepted != 1 {
		t.Errorf("own fix without id: %v %+v", err, res)
	}
}
