package ingest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/patrolmap/patrolmap/app/ingest"
	"github.com/patrolmap/patrolmap/patrol"
)

// TestTrackerDeviceEveryCaller: who a single-fix report is accepted from, and for each refusal
// its kind, whether the request was kept for a replay (a device that is not registered or whose
// key is missing or wrong, when the report holds a fix) or only logged.
func TestTrackerDeviceEveryCaller(t *testing.T) {
	officer := patrol.Caller{Kind: patrol.CallerUser, User: patrol.User{ID: 5, Role: patrol.RoleOfficer, UnitID: 1}}
	cases := []struct {
		name   string
		report ingest.TrackerReport
		want   ingest.RefusalKind // 0: accepted
		device string             // the device accepted
		kept   string             // the device id a kept request is filed under ("": none kept)
		logged bool               // a refusal log entry without a kept request
	}{
		{name: "key in the report", report: ingest.TrackerReport{Ident: "p1", Key: "s1"}, device: "p1"},
		{name: "key without id", report: ingest.TrackerReport{Key: "s1"}, device: "p1"},
		{name: "unknown key", report: ingest.TrackerReport{Ident: "p1", Key: "nope"}, want: ingest.RefusedUnauthenticated, kept: "p1"},
		{name: "key of another device", report: ingest.TrackerReport{Ident: "p2", Key: "s1"}, want: ingest.RefusedForbidden, kept: "p2"},
		{name: "no credentials, registered", report: ingest.TrackerReport{Ident: "p1"}, want: ingest.RefusedUnauthenticated, kept: "p1"},
		{name: "no credentials, not registered", report: ingest.TrackerReport{Ident: "new-phone"}, want: ingest.RefusedUnknown, kept: "new-phone"},
		{name: "no credentials, no id", report: ingest.TrackerReport{}, want: ingest.RefusedUnauthenticated, logged: true},
		{name: "Basic auth refused", report: ingest.TrackerReport{BasicRefused: true, BasicUser: "pixel7", Source: "owntracks"}, want: ingest.RefusedUnauthenticated, kept: "pixel7"},
		{name: "admin token", report: ingest.TrackerReport{Ident: "p2", Caller: admin(1)}, device: "p2"},
		{name: "admin token, unknown device", report: ingest.TrackerReport{Ident: "ghost", Caller: admin(1)}, want: ingest.RefusedUnknown, logged: true},
		{name: "admin token, deactivated device", report: ingest.TrackerReport{Ident: "off", Caller: admin(1)}, want: ingest.RefusedForbidden, logged: true},
		{name: "officer, assigned device", report: ingest.TrackerReport{Ident: "p1", Caller: officer}, device: "p1"},
		{name: "officer, another device", report: ingest.TrackerReport{Ident: "p2", Caller: officer}, want: ingest.RefusedForbidden},
		{name: "not a device id", report: ingest.TrackerReport{Ident: "a\x00b"}, want: ingest.RefusedBadIdent, logged: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			repo := newFakeRepo()
			repo.addDevice(1, 1, "p1", true)
			repo.addDevice(2, 1, "p2", true)
			repo.addDevice(3, 1, "off", false)
			repo.secrets["s1"] = "p1"
			repo.assigned[[2]int64{1, 5}] = true
			svc := ingest.New(repo, ingest.Config{Log: quiet()})
			r := tc.report
			if r.Source == "" {
				r.Source = "osmand"
			}
			r.IdentField, r.Addr = "id", "10.0.0.9"
			r.Raw = func() []byte { return []byte("GET /?id=…") }
			r.Keep = func() *patrol.KeptRequest { return &patrol.KeptRequest{Source: r.Source, Body: []byte("fix")} }
			d, err := svc.TrackerDevice(context.Background(), r)
			var why *ingest.Refusal
			switch {
			case tc.want == 0 && (err != nil || d.Ident != tc.device):
				t.Fatalf("got %q, %v; want device %q", d.Ident, err, tc.device)
			case tc.want != 0 && (!errors.As(err, &why) || why.Kind != tc.want):
				t.Fatalf("got %q, %v; want refusal %d", d.Ident, err, tc.want)
			}
			switch {
			case tc.kept != "" && (len(repo.kept) != 1 || repo.kept[0].DeviceIdent != tc.kept || repo.kept[0].Addr != "10.0.0.9" || repo.kept[0].Reason != why.Reason):
				t.Errorf("kept %+v, want one request of %q", repo.kept, tc.kept)
			case tc.kept == "" && len(repo.kept) != 0:
				t.Errorf("kept %+v, want none", repo.kept)
			case tc.logged != (len(repo.rejected) == 1) || len(repo.rejected) > 1:
				t.Errorf("rejection log %+v, want logged=%v", repo.rejected, tc.logged)
			}
		})
	}
}
