package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/app/ingest"
	"github.com/patrolmap/patrolmap/patrol"
)

// fakeRepo is an in-memory Repository: devices by id, stored fixes by (device, time), the
// rejection log and the kept requests.
type fakeRepo struct {
	mu        sync.Mutex
	devices   map[string]patrol.Device
	secrets   map[string]string // secret → device id
	assigned  map[[2]int64]bool // (device, user)
	fixes     map[[2]int64]patrol.Fix
	rejected  []patrol.Rejection
	kept      []patrol.KeptRequest
	replayed  map[int64]bool
	nextID    int64
	failStore error
	trims     int
	secretQs  int
}

func newFakeRepo() *fakeRepo {
	return &fakeRepo{devices: map[string]patrol.Device{}, secrets: map[string]string{}, assigned: map[[2]int64]bool{},
		fixes: map[[2]int64]patrol.Fix{}, replayed: map[int64]bool{}}
}

func (r *fakeRepo) addDevice(id, unit int, ident string, active bool) patrol.Device {
	d := patrol.Device{ID: id, UnitID: unit, Ident: ident, Active: active}
	r.devices[ident] = d
	return d
}

func (r *fakeRepo) StoreFixes(_ context.Context, fixes []patrol.Fix) ([]patrol.StoreOutcome, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failStore != nil {
		return nil, r.failStore
	}
	out := make([]patrol.StoreOutcome, len(fixes))
	for i, f := range fixes {
		k := [2]int64{int64(f.DeviceID), f.Time.UnixMicro()}
		if _, ok := r.fixes[k]; ok {
			continue
		}
		r.fixes[k] = f
		out[i] = patrol.FixStored
	}
	return out, nil
}

func (r *fakeRepo) RejectMany(_ context.Context, list []patrol.Rejection) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rejected = append(r.rejected, list...)
	return nil
}

func (r *fakeRepo) DeviceByIdent(_ context.Context, ident string) (patrol.Device, error) {
	d, ok := r.devices[ident]
	if !ok {
		return d, patrol.ErrNotFound
	}
	return d, nil
}

func (r *fakeRepo) DevicesByIdent(_ context.Context, idents []string) (map[string]patrol.Device, error) {
	out := map[string]patrol.Device{}
	for _, id := range idents {
		if d, ok := r.devices[id]; ok {
			out[id] = d
		}
	}
	return out, nil
}

func (r *fakeRepo) DeviceAssignedTo(_ context.Context, deviceID int, userID int64) (bool, error) {
	return r.assigned[[2]int64{int64(deviceID), userID}], nil
}

func (r *fakeRepo) CallerByDeviceSecret(_ context.Context, secret string) (patrol.Caller, error) {
	r.mu.Lock()
	r.secretQs++
	r.mu.Unlock()
	ident, ok := r.secrets[secret]
	if !ok {
		return patrol.Caller{}, patrol.ErrNotFound
	}
	return patrol.Caller{Kind: patrol.CallerDevice, Device: r.devices[ident]}, nil
}

func (r *fakeRepo) KeepRequest(_ context.Context, k patrol.KeptRequest, perDevice int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nextID++
	k.ID = r.nextID
	r.kept = append(r.kept, k)
	return nil
}

func (r *fakeRepo) TrimKeptRequests(_ context.Context, total int, before time.Time) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.trims++
	return 0, nil
}

func (r *fakeRepo) ClaimKeptRequests(_ context.Context, ident string, since, at time.Time) ([]patrol.KeptRequest, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []patrol.KeptRequest
	for _, k := range r.kept {
		if k.DeviceIdent == ident && !k.ReceivedAt.Before(since) && !r.replayed[k.ID] {
			r.replayed[k.ID] = true
			out = append(out, k)
		}
	}
	return out, nil
}

func (r *fakeRepo) UnclaimKeptRequests(_ context.Context, ids []int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		delete(r.replayed, id)
	}
	return nil
}

var t0 = time.Date(2024, 3, 1, 15, 0, 0, 0, time.UTC)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func admin(unit int) patrol.Caller {
	return patrol.Caller{Kind: patrol.CallerUser, User: patrol.User{ID: 1, Role: patrol.RoleAdmin, UnitID: unit}}
}

// decodeTest reads the fake protocol of these tests: the body is "lat,lon,seconds after t0"
// per fix, "bad" is an invalid fix, "other" a fix naming another device, "" no timestamp.
func decodeTest(k patrol.KeptRequest) ([]ingest.Candidate, error) {
	switch string(k.Body) {
	case "garbage":
		return nil, errors.New("malformed")
	case "bad":
		return []ingest.Candidate{{Invalid: errors.New("lat: out of range")}}, nil
	case "other":
		return []ingest.Candidate{{Ident: "someone-else", Fix: patrol.Fix{Time: t0}}}, nil
	case "":
		return []ingest.Candidate{{Fix: patrol.Fix{Time: k.ReceivedAt, Flags: 32}}}, nil
	}
	var sec int
	if _, err := fmt.Sscanf(string(k.Body), "%d", &sec); err != nil {
		return nil, err
	}
	return []ingest.Candidate{{Fix: patrol.Fix{Time: t0.Add(time.Duration(sec) * time.Second)}}}, nil
}

func TestReplayStoresOnceWithTheirTimes(t *testing.T) {
	repo := newFakeRepo()
	now := t0.Add(48 * time.Hour)
	svc := ingest.New(repo, ingest.Config{Now: func() time.Time { return now }, Log: quiet()})
	ctx := context.Background()
	for i, body := range []string{"0", "10", "10", "", "bad", "other", "garbage"} {
		svc.KeepRefused(ctx, patrol.KeptRequest{DeviceIdent: "p1", Source: "osmand", Body: []byte(body), ReceivedAt: t0.Add(time.Duration(i) * time.Minute)})
	}
	svc.KeepRefused(ctx, patrol.KeptRequest{DeviceIdent: "p2", Source: "osmand", Body: []byte("5"), ReceivedAt: t0})
	svc.KeepRefused(ctx, patrol.KeptRequest{Source: "osmand", Body: []byte("5")}) // no device: nothing to replay to
	if len(repo.kept) != 8 {
		t.Fatalf("%d kept, want 8", len(repo.kept))
	}
	if _, _, err := svc.Replay(ctx, admin(0), "p1", decodeTest); !errors.Is(err, patrol.ErrNotFound) {
		t.Fatalf("replay of an unregistered device: %v", err)
	}
	d := repo.addDevice(7, 1, "p1", true)
	res, got, err := svc.Replay(ctx, admin(1), "p1", decodeTest)
	if err != nil || got.ID != d.ID {
		t.Fatal(err)
	}
	want := ingest.ReplayResult{Accepted: 3, Duplicates: 1, Rejected: 3, Requests: 7}
	if res != want {
		t.Fatalf("replay %+v, want %+v", res, want)
	}
	for _, k := range [][2]int64{{7, t0.UnixMicro()}, {7, t0.Add(10 * time.Second).UnixMicro()}, {7, t0.Add(3 * time.Minute).UnixMicro()}} {
		f, ok := repo.fixes[k]
		if !ok || f.UnitID != 1 || f.Source != "osmand" {
			t.Errorf("fix %v: %+v %v", k, f, ok)
		}
	}
	if f := repo.fixes[[2]int64{7, t0.Add(3 * time.Minute).UnixMicro()}]; f.Flags != 32 {
		t.Errorf("the fix without a time lost its flag: %+v", f)
	}
	if res, _, err := svc.Replay(ctx, admin(1), "p1", decodeTest); err != nil || res != (ingest.ReplayResult{}) {
		t.Fatalf("second replay %+v %v", res, err)
	}
	if len(repo.fixes) != 3 {
		t.Errorf("%d fixes stored, want 3", len(repo.fixes))
	}
}

func TestReplayIsForAdminsInScope(t *testing.T) {
	repo := newFakeRepo()
	svc := ingest.New(repo, ingest.Config{Now: func() time.Time { return t0 }, Log: quiet()})
	repo.addDevice(7, 1, "p1", true)
	repo.addDevice(8, 1, "off", false)
	ctx := context.Background()
	for name, c := range map[string]patrol.Caller{
		"admin of another unit": admin(2),
		"analyst":               {Kind: patrol.CallerUser, User: patrol.User{Role: patrol.RoleAnalyst}},
		"officer":               {Kind: patrol.CallerUser, User: patrol.User{Role: patrol.RoleOfficer, UnitID: 1}},
		"the device itself":     {Kind: patrol.CallerDevice, Device: repo.devices["p1"]},
	} {
		if _, _, err := svc.Replay(ctx, c, "p1", decodeTest); !errors.Is(err, ingest.ErrForbidden) {
			t.Errorf("%s: %v, want ErrForbidden", name, err)
		}
	}
	if _, _, err := svc.Replay(ctx, admin(0), "off", decodeTest); !errors.Is(err, patrol.ErrConflict) {
		t.Errorf("deactivated device: %v, want ErrConflict", err)
	}
}

func TestReplayFailureKeepsTheRequests(t *testing.T) {
	repo := newFakeRepo()
	svc := ingest.New(repo, ingest.Config{Now: func() time.Time { return t0 }, Log: quiet()})
	repo.addDevice(7, 1, "p1", true)
	ctx := context.Background()
	svc.KeepRefused(ctx, patrol.KeptRequest{DeviceIdent: "p1", Source: "osmand", Body: []byte("1"), ReceivedAt: t0})
	repo.failStore = fmt.Errorf("%w: down", patrol.ErrUnavailable)
	if _, _, err := svc.Replay(ctx, admin(0), "p1", decodeTest); !errors.Is(err, patrol.ErrUnavailable) {
		t.Fatalf("%v, want ErrUnavailable", err)
	}
	repo.failStore = nil
	if res, _, err := svc.Replay(ctx, admin(0), "p1", decodeTest); err != nil || res.Accepted != 1 {
		t.Fatalf("the retried replay %+v %v", res, err)
	}
}

func TestReplayForgetsExpiredRequests(t *testing.T) {
	repo := newFakeRepo()
	now := t0.Add(15 * 24 * time.Hour)
	svc := ingest.New(repo, ingest.Config{Now: func() time.Time { return now }, Log: quiet()})
	repo.addDevice(7, 1, "p1", true)
	ctx := context.Background()
	svc.KeepRefused(ctx, patrol.KeptRequest{DeviceIdent: "p1", Source: "osmand", Body: []byte("1"), ReceivedAt: t0})
	svc.KeepRefused(ctx, patrol.KeptRequest{DeviceIdent: "p1", Source: "osmand", Body: []byte("2"), ReceivedAt: now.Add(-time.Hour)})
	if res, _, err := svc.Replay(ctx, admin(0), "p1", decodeTest); err != nil || res.Accepted != 1 || res.Requests != 1 {
		t.Fatalf("replay %+v %v, want only the request of the last 14 days", res, err)
	}
}

func TestKeepRefusedTrimsEveryN(t *testing.T) {
	repo := newFakeRepo()
	svc := ingest.New(repo, ingest.Config{Now: func() time.Time { return t0 }, Log: quiet(), TrimEvery: 3})
	for i := 0; i < 7; i++ {
		svc.KeepRefused(context.Background(), patrol.KeptRequest{DeviceIdent: "p1", Body: []byte{byte(i)}})
	}
	if repo.trims != 2 {
		t.Errorf("%d trims after 7 kept requests, want 2 (every 3)", repo.trims)
	}
}

func TestLogRefusalIsThrottled(t *testing.T) {
	repo := newFakeRepo()
	now := t0
	svc := ingest.New(repo, ingest.Config{Now: func() time.Time { return now }, Log: quiet()})
	r := patrol.Rejection{DeviceIdent: "ghost", Source: "osmand", Reason: "unknown device", Addr: "10.0.0.1"}
	svc.LogRefusal(context.Background(), r)
	svc.LogRefusal(context.Background(), r)
	now = now.Add(time.Minute)
	svc.LogRefusal(context.Background(), r)
	if len(repo.rejected) != 2 {
		t.Errorf("%d log entries, want 2 (once a minute)", len(repo.rejected))
	}
}

func TestDeviceCallerIsCached(t *testing.T) {
	repo := newFakeRepo()
	svc := ingest.New(repo, ingest.Config{Log: quiet()})
	d := repo.addDevice(7, 1, "p1", true)
	repo.secrets["s3cret"] = "p1"
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		c, err := svc.DeviceCaller(ctx, "s3cret")
		if err != nil || c.Device.ID != d.ID {
			t.Fatal(c, err)
		}
	}
	if _, err := svc.DeviceCaller(ctx, "wrong"); !errors.Is(err, patrol.ErrNotFound) {
		t.Fatal(err)
	}
	svc.ForgetDeviceSecrets(d.ID)
	svc.DeviceCaller(ctx, "s3cret")
	if repo.secretQs != 3 {
		t.Errorf("%d secret queries, want 3 (first, the wrong one, after forgetting)", repo.secretQs)
	}
}

// TestDeviceCallerExpiresOnTheServiceClock: a cached secret check lasts SecretTTL on the
// Service's own clock, and a device looked up by a batch likewise.
func TestDeviceCallerExpiresOnTheServiceClock(t *testing.T) {
	repo := newFakeRepo()
	now := time.Date(2024, 2, 29, 23, 59, 50, 0, time.UTC)
	svc := ingest.New(repo, ingest.Config{Log: quiet(), SecretTTL: 30 * time.Second, Now: func() time.Time { return now }})
	d := repo.addDevice(7, 1, "p1", true)
	repo.secrets["s3cret"] = "p1"
	ctx := context.Background()
	for _, step := range []struct {
		after   time.Duration
		queries int
	}{{0, 1}, {29 * time.Second, 1}, {time.Second, 2}, {10 * time.Second, 2}} {
		now = now.Add(step.after)
		if c, err := svc.DeviceCaller(ctx, "s3cret"); err != nil || c.Device.ID != d.ID {
			t.Fatal(c, err)
		}
		if repo.secretQs != step.queries {
			t.Fatalf("at %s: %d secret queries, want %d", now.Format(time.TimeOnly), repo.secretQs, step.queries)
		}
	}
}

func BenchmarkDeviceCallerCached(b *testing.B) {
	repo := newFakeRepo()
	svc := ingest.New(repo, ingest.Config{Log: quiet()})
	repo.addDevice(7, 1, "p1", true)
	secret := "Qm9uZyBkYSBsYW4gbWF1IG1hdCBiYW8gbmhpZXUgbGFu"
	repo.secrets[secret] = "p1"
	for b.Loop() {
		if _, err := svc.DeviceCaller(context.Background(), secret); err != nil {
			b.Fatal(err)
		}
	}
	if repo.secretQs != 1 {
		b.Fatalf("%d secret queries, want 1", repo.secretQs)
	}
}

func TestWritersFollowTheRoleTable(t *testing.T) {
	repo := newFakeRepo()
	svc := ingest.New(repo, ingest.Config{Log: quiet()})
	own := repo.addDevice(1, 1, "own", true)
	other := repo.addDevice(2, 1, "other", true)
	far := repo.addDevice(3, 2, "far", true)
	repo.assigned[[2]int64{1, 5}] = true
	ctx := context.Background()
	officer := patrol.Caller{Kind: patrol.CallerUser, User: patrol.User{ID: 5, Role: patrol.RoleOfficer, UnitID: 1}}
	analyst := patrol.Caller{Kind: patrol.CallerUser, User: patrol.User{ID: 6, Role: patrol.RoleAnalyst, UnitID: 1}}
	device := patrol.Caller{Kind: patrol.CallerDevice, Device: own}
	for _, tc := range []struct {
		name   string
		caller patrol.Caller
		d      patrol.Device
		want   bool
	}{
		{"officer, assigned", officer, own, true},
		{"officer, not assigned", officer, other, false},
		{"analyst in scope", analyst, other, true},
		{"analyst out of scope", analyst, far, false},
		{"admin of all units", admin(0), far, true},
		{"device itself", device, own, true},
		{"device, another one", device, other, false},
		{"nobody", patrol.Caller{}, own, false},
	} {
		w := svc.Writers(tc.caller)
		if ok, err := w.May(ctx, &tc.d); err != nil || ok != tc.want {
			t.Errorf("%s: %v %v, want %v", tc.name, ok, err, tc.want)
		}
	}
	w := svc.Writers(device)
	if d, err := w.Device(ctx, ""); err != nil || d.ID != own.ID {
		t.Errorf("the calling device: %+v %v", d, err)
	}
	if err := w.Preload(ctx, []string{"other", "far", "ghost", "other"}); err != nil {
		t.Fatal(err)
	}
	if d, _ := w.Device(ctx, "ghost"); d != nil {
		t.Errorf("an unknown id resolved to %+v", d)
	}
}
