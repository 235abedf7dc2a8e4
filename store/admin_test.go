package store_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/geofile"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
)

func adminFixture(t *testing.T) (*store.Store, patrol.Unit, map[string]patrol.User) {
	t.Helper()
	store.BcryptCost = 4
	s := storetest.New(t)
	u := newWard(t, s, "w1", wardSquare)
	newWard(t, s, "w2", wardSquare)
	users := map[string]patrol.User{}
	for _, nu := range []store.NewUser{
		{Username: "root", Role: patrol.RoleAdmin, Password: "root-password"},
		{Username: "admin1", Role: patrol.RoleAdmin, UnitCode: "w1", Password: "admin1-password"},
		{Username: "officer1", Role: patrol.RoleOfficer, UnitCode: "w1", FullName: "Nguyễn Văn An", Password: "officer1-password"},
		{Username: "officer2", Role: patrol.RoleOfficer, UnitCode: "w2", Password: "officer2-password"},
	} {
		x, err := s.CreateUser(context.Background(), nu)
		if err != nil {
			t.Fatal(err)
		}
		users[nu.Username] = x
	}
	return s, u, users
}

func TestAccountsChangesAndLastAdmin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, users := adminFixture(t)
	off := users["officer1"]
	tok, err := s.CreateToken(ctx, off.ID, "phone")
	if err != nil {
		t.Fatal(err)
	}
	sess, _, err := s.CreateSession(ctx, off.ID, time.Hour, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.AccountByUsername(ctx, "officer1")
	if err != nil {
		t.Fatal(err)
	}
	if a.LastLogin == nil || a.ActiveTokens != 1 || a.Sessions != 1 || a.FullName != "Nguyễn Văn An" {
		t.Fatalf("account %+v", a)
	}
	list, err := s.ListAccounts(ctx, users["admin1"].UnitID)
	if err != nil || len(list) != 2 {
		t.Fatalf("unit w1 accounts: %v %d", err, len(list))
	}

	// Role and scope.
	role, unit := patrol.RoleAnalyst, "w2"
	got, err := s.UpdateAccount(ctx, off.ID, patrol.AccountChange{Role: &role, UnitCode: &unit})
	if err != nil || got.Role != patrol.RoleAnalyst || got.UnitCode != "w2" {
		t.Fatalf("change role and unit: %v %+v", err, got)
	}
	all := ""
	if got, err = s.UpdateAccount(ctx, off.ID, patrol.AccountChange{UnitCode: &all}); err != nil || got.UnitID != 0 {
		t.Fatalf("widen to all units: %v %+v", err, got)
	}
	nowhere := "nowhere"
	if _, err := s.UpdateAccount(ctx, off.ID, patrol.AccountChange{UnitCode: &nowhere}); !errors.Is(err, patrol.ErrNotFound) {
		t.Errorf("unknown unit: %v", err)
	}

	// Disabling ends the session and makes the token useless.
	yes := true
	if _, err := s.UpdateAccount(ctx, off.ID, patrol.AccountChange{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CallerBySession(ctx, sess); err == nil {
		t.Error("a disabled user's session still works")
	}
	if _, err := s.CallerByToken(ctx, tok); err == nil {
		t.Error("a disabled user's token still works")
	}

	// The last admin of all units stays.
	if _, err := s.UpdateAccount(ctx, users["root"].ID, patrol.AccountChange{Disabled: &yes}); !errors.Is(err, store.ErrLastAdmin) {
		t.Errorf("disabling the last admin: %v", err)
	}
	w1 := "w1"
	if _, err := s.UpdateAccount(ctx, users["root"].ID, patrol.AccountChange{UnitCode: &w1}); !errors.Is(err, store.ErrLastAdmin) {
		t.Errorf("narrowing the last admin: %v", err)
	}
	if r, _ := s.UserByID(ctx, users["root"].ID); r.Disabled || r.UnitID != 0 {
		t.Errorf("refused change was kept: %+v", r)
	}
}

func TestTokensListedNeverShown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, u, users := adminFixture(t)
	for _, name := range []string{"officer1", "officer1", "officer2"} {
		if _, err := s.CreateToken(ctx, users[name].ID, "label "+name); err != nil {
			t.Fatal(err)
		}
	}
	mine, err := s.ListTokens(ctx, u.ID, 0, false)
	if err != nil || len(mine) != 2 || mine[0].Username != "officer1" {
		t.Fatalf("unit tokens %v %+v", err, mine)
	}
	if err := s.RevokeToken(ctx, mine[0].ID); err != nil {
		t.Fatal(err)
	}
	if live, _ := s.ListTokens(ctx, u.ID, 0, false); len(live) != 1 {
		t.Errorf("%d live tokens after a revoke", len(live))
	}
	if withRevoked, _ := s.ListTokens(ctx, 0, users["officer1"].ID, true); len(withRevoked) != 2 || withRevoked[0].Revoked == nil {
		t.Errorf("with revoked: %+v", withRevoked)
	}
	tk, err := s.TokenByID(ctx, mine[1].ID)
	if err != nil || tk.UnitID != u.ID || tk.Label != "label officer1" {
		t.Errorf("token by id %v %+v", err, tk)
	}
	if err := s.TouchToken(ctx, tk.ID); err != nil {
		t.Fatal(err)
	}
	if tk, _ = s.TokenByID(ctx, tk.ID); tk.LastUsed == nil {
		t.Error("last_used not recorded")
	}
}

func TestDeviceStatusAndAssignments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, u, users := adminFixture(t)
	d, secret, err := s.CreateDevice(ctx, u.ID, "imei-3569", "Máy tuần tra 1")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	fix := func(at time.Time, battery float64) patrol.Fix {
		return patrol.Fix{UnitID: u.ID, DeviceID: d.ID, Time: at, Lat: 21.47, Lon: 105.85, Accuracy: 5, Speed: math.NaN(),
			Heading: math.NaN(), Altitude: math.NaN(), Battery: battery, Source: "test"}
	}
	if _, err := s.InsertFixes(ctx, []patrol.Fix{fix(now.Add(-3*24*time.Hour), 90), fix(now.Add(-2*time.Minute), 64), fix(now.Add(-time.Minute), math.NaN())}); err != nil {
		t.Fatal(err)
	}
	// Today is the unit's local date: count what the database says belongs to it.
	wantToday := countRows(t, s, `SELECT count(*) FROM fix WHERE device_id = $1 AND (ts AT TIME ZONE 'Asia/Ho_Chi_Minh')::date = (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date`, d.ID)
	if _, err := s.CreateAssignment(ctx, d.ID, users["officer1"].ID, now.Add(-time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListDeviceStatus(ctx, u.ID, time.Now())
	if err != nil || len(list) != 1 {
		t.Fatalf("%v %+v", err, list)
	}
	st := list[0]
	if st.LastSeen == nil || !st.LastSeen.Equal(now.Add(-time.Minute)) || st.LastBattery == nil || *st.LastBattery != 64 ||
		st.FixesToday != wantToday || st.Officer != "officer1" || st.OfficerName != "Nguyễn Văn An" {
		t.Fatalf("status %+v (battery %v), want %d fixes today", st, st.LastBattery, wantToday)
	}

	// Overlapping assignments are refused; ending cuts the current one.
	_, err = s.CreateAssignment(ctx, d.ID, users["admin1"].ID, now, now.Add(time.Hour))
	if !errors.Is(err, patrol.ErrConflict) || !errors.Is(err, store.ErrOverlap) {
		t.Fatalf("overlap: %v", err)
	}
	later, err := s.CreateAssignment(ctx, d.ID, users["admin1"].ID, now.Add(-3*time.Hour), now.Add(-2*time.Hour))
	if err != nil || later.From == nil || later.To == nil {
		t.Fatalf("an earlier, disjoint period: %v %+v", err, later)
	}
	as, _ := s.ListAssignments(ctx, d.ID)
	if len(as) != 2 || as[0].Username != "officer1" || as[0].To != nil {
		t.Fatalf("assignments %+v", as)
	}
	if err := s.EndAssignment(ctx, d.ID, as[0].ID, now); err != nil {
		t.Fatal(err)
	}
	as, _ = s.ListAssignments(ctx, d.ID)
	if as[0].To == nil || !as[0].To.Equal(now) {
		t.Errorf("ended assignment %+v", as[0])
	}
	future, err := s.CreateAssignment(ctx, d.ID, users["officer1"].ID, now.Add(24*time.Hour), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EndAssignment(ctx, d.ID, future.ID, now); err != nil {
		t.Fatal(err)
	}
	if as, _ = s.ListAssignments(ctx, d.ID); len(as) != 2 {
		t.Errorf("a future assignment ended before it began should be gone: %+v", as)
	}
	if err := s.EndAssignment(ctx, d.ID, 999999, now); !errors.Is(err, patrol.ErrNotFound) {
		t.Errorf("ending an unknown assignment: %v", err)
	}

	// Deactivation refuses the secret at once and is remembered; reactivation clears it.
	no, yes := false, true
	name := "Máy 1"
	if err := s.UpdateDevice(ctx, d.ID, &name, &no); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CallerByDeviceSecret(ctx, secret); !errors.Is(err, patrol.ErrNotFound) {
		t.Errorf("a deactivated device's secret: %v", err)
	}
	st, _ = s.DeviceStatusByIdent(ctx, "imei-3569", time.Now())
	if st.Active || st.Deactivated == nil || st.Name != "Máy 1" {
		t.Errorf("deactivated %+v", st)
	}
	if err := s.UpdateDevice(ctx, d.ID, nil, &yes); err != nil {
		t.Fatal(err)
	}
	if st, _ = s.DeviceStatusByIdent(ctx, "imei-3569", time.Now()); !st.Active || st.Deactivated != nil {
		t.Errorf("reactivated %+v", st)
	}
	if _, err := s.CallerByDeviceSecret(ctx, secret); err != nil {
		t.Errorf("a reactivated device's secret: %v", err)
	}
}

func TestKnockingDevices(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, u, _ := adminFixture(t)
	if _, _, err := s.CreateDevice(ctx, u.ID, "known", ""); err != nil {
		t.Fatal(err)
	}
	for _, r := range []patrol.Rejection{
		{DeviceIdent: "stranger", Source: "osmand", Reason: "unknown device", Addr: "10.0.0.1"},
		{DeviceIdent: "known", UnitID: u.ID, Source: "osmand", Reason: "lat: out of range"},
		{DeviceIdent: "stranger", Source: "owntracks", Reason: "unknown device", Addr: "10.0.0.2"},
		{DeviceIdent: "", Source: "osmand", Reason: "no device credentials"},
	} {
		if err := s.Reject(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.KnockingDevices(ctx, time.Now().Add(-time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Ident != "stranger" || list[0].Attempts != 2 || list[0].Source != "owntracks" || list[0].Addr != "10.0.0.2" {
		t.Fatalf("knocking %+v", list)
	}
	if _, _, err := s.CreateDevice(ctx, u.ID, "stranger", ""); err != nil {
		t.Fatal(err)
	}
	if list, _ = s.KnockingDevices(ctx, time.Now().Add(-time.Hour), 100); len(list) != 0 {
		t.Errorf("a registered device still knocks: %+v", list)
	}
}

// TestImportRegistersItsCoordinateSystemOnlyForTheImport checks the temporary spatial_ref_sys
// row is gone afterwards, and that an id already taken by another system falls back to the
// (slower) text without a wrong answer.
func TestImportRegistersItsCoordinateSystemOnlyForTheImport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	u := newWard(t, s, "tn", wardSquare)
	before := countRows(t, s, `SELECT count(*) FROM spatial_ref_sys`)
	rep := importFile(t, s, u, "moc.geojson", knownSquare(), projThaiNguyen, geofile.Options{Target: geofile.TargetAreas}, false)
	if after := countRows(t, s, `SELECT count(*) FROM spatial_ref_sys`); after != before {
		t.Fatalf("spatial_ref_sys grew from %d to %d rows", before, after)
	}
	first := cornerError(t, s, rep.Items[0].ID)
	// Occupy every temporary id with a system 1000 km away, then import again.
	if _, err := s.Pool().Exec(ctx, `INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text)
		SELECT i, 'test', i, '', '+proj=tmerc +lon_0=120 +k=0.9999 +x_0=500000 +ellps=WGS84 +units=m' FROM generate_series(900000, 998998) i
		ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	rep = importFile(t, s, u, "moc.geojson", knownSquare(), projThaiNguyen, geofile.Options{Target: geofile.TargetAreas}, false)
	if again := cornerError(t, s, rep.Items[0].ID); math.Abs(again-first) > 0.001 {
		t.Errorf("with the temporary ids taken the point lands %.3f m off, before %.3f m", again, first)
	}
}
