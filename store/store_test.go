package store_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
)

func TestMigrateTwiceIsNoOp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := storetest.NewURL(t) // already migrated from the template
	applied, err := store.Migrate(ctx, u, nil)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if len(applied) != 0 {
		t.Fatalf("second migrate applied %v, want nothing", applied)
	}
	s, err := store.Open(ctx, u, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	schema := func() string {
		var dump string
		err := s.Pool().QueryRow(ctx, `SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',' ORDER BY table_name, column_name)
			FROM information_schema.columns WHERE table_schema = 'public'`).Scan(&dump)
		if err != nil {
			t.Fatal(err)
		}
		return dump
	}
	before := schema()
	v1, _ := s.SchemaVersion(ctx)
	if applied, err = store.Migrate(ctx, u, nil); err != nil || len(applied) != 0 {
		t.Fatalf("third migrate: applied %v, err %v", applied, err)
	}
	v2, _ := s.SchemaVersion(ctx)
	if after := schema(); after != before || v1 != v2 || v1 == 0 {
		t.Fatalf("schema changed by a repeated migrate (version %d -> %d)", v1, v2)
	}
}

func TestMigrateFromEmptyDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := storetest.NewEmptyURL(t)
	applied, err := store.Migrate(ctx, u, nil)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if len(applied) == 0 {
		t.Fatal("migrate on an empty database applied nothing")
	}
	applied, err = store.Migrate(ctx, u, nil)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second migrate: applied %v, err %v", applied, err)
	}
}

// TestSecretsNeverReadable stores a password, a token, a session and a device secret and then
// searches every text and bytea column of the database for them.
func TestSecretsNeverReadable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	unit, err := s.CreateUnit(ctx, patrol.Unit{Code: "w1", Name: "Ward 1", TimeZone: "Asia/Ho_Chi_Minh", NightStart: "22:00", NightEnd: "05:00", H3Res: 10})
	if err != nil {
		t.Fatal(err)
	}
	const password = "correct-horse-battery"
	u, err := s.CreateUser(ctx, store.NewUser{Username: "an", Role: patrol.RoleAnalyst, UnitCode: "w1", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	token, err := s.CreateToken(ctx, u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	session, csrf, err := s.CreateSession(ctx, u.ID, 3600e9, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := s.CreateDevice(ctx, unit.ID, "phone-1", "")
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]string{"token": token, "session": session, "secret": secret} {
		if len(v) < 43 {
			t.Errorf("%s %q is shorter than 256 bits of base64", name, v)
		}
	}
	// Every text-like and bytea column, as text and as hex.
	rows, err := s.Pool().Query(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'public' AND data_type IN ('text', 'bytea', 'character varying', 'jsonb')`)
	if err != nil {
		t.Fatal(err)
	}
	type col struct{ table, column, typ string }
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.table, &c.column, &c.typ); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	if len(cols) < 10 {
		t.Fatalf("found only %d columns to search", len(cols))
	}
	var all bytes.Buffer
	for _, c := range cols {
		if c.typ == "bytea" {
			rows, err := s.Pool().Query(ctx, `SELECT `+quoteIdent(c.column)+` FROM `+quoteIdent(c.table)+` WHERE `+quoteIdent(c.column)+` IS NOT NULL`)
			if err != nil {
				t.Fatalf("read %s.%s: %v", c.table, c.column, err)
			}
			for rows.Next() {
				var b []byte
				if err := rows.Scan(&b); err != nil {
					t.Fatal(err)
				}
				all.Write(b)
				all.WriteByte('|')
			}
			rows.Close()
			continue
		}
		var v string
		q := `SELECT coalesce(string_agg(` + quoteIdent(c.column) + `::text, '|'), '') FROM ` + quoteIdent(c.table)
		if err := s.Pool().QueryRow(ctx, q).Scan(&v); err != nil {
			t.Fatalf("read %s.%s: %v", c.table, c.column, err)
		}
		all.WriteString(v)
	}
	dump := all.String()
	for name, v := range map[string]string{"password": password, "token": token, "session id": session, "device secret": secret} {
		if strings.Contains(dump, v) {
			t.Errorf("the %s is readable in the database", name)
		}
	}
	if !strings.Contains(dump, csrf) {
		t.Errorf("sanity: the CSRF token (not a secret at rest) should be found by the search")
	}
	// And the stored forms still authenticate.
	if _, err := s.CheckPassword(ctx, "an", password); err != nil {
		t.Errorf("password check: %v", err)
	}
	if _, err := s.CheckPassword(ctx, "an", password+"x"); !errors.Is(err, store.ErrBadCredentials) {
		t.Errorf("wrong password: %v", err)
	}
	if c, err := s.CallerByToken(ctx, token); err != nil || c.User.ID != u.ID {
		t.Errorf("token lookup: %v", err)
	}
	if c, err := s.CallerByDeviceSecret(ctx, secret); err != nil || c.Device.Ident != "phone-1" {
		t.Errorf("device secret lookup: %v", err)
	}
	if c, err := s.CallerBySession(ctx, session); err != nil || c.CSRFToken != csrf {
		t.Errorf("session lookup: %v", err)
	}
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func TestFixesIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	unit, err := s.CreateUnit(ctx, patrol.Unit{Code: "w1", Name: "Ward 1", TimeZone: "Asia/Ho_Chi_Minh", NightStart: "22:00", NightEnd: "05:00", H3Res: 10})
	if err != nil {
		t.Fatal(err)
	}
	dev, _, err := s.CreateDevice(ctx, unit.ID, "phone-1", "")
	if err != nil {
		t.Fatal(err)
	}
	base := mustTime(t, "2024-03-01T15:00:00.123456Z")
	var fixes []patrol.Fix
	for i := 0; i < 50; i++ {
		fixes = append(fixes, patrol.Fix{UnitID: unit.ID, DeviceID: dev.ID, Time: base.Add(timeSeconds(i * 7)), Lat: 21.47, Lon: 105.85 + float64(i)*1e-5,
			Accuracy: 5, Speed: patrol.Unknown, Heading: patrol.Unknown, Altitude: patrol.Unknown, Battery: 80})
	}
	// A fix in another month needs another partition.
	fixes = append(fixes, patrol.Fix{UnitID: unit.ID, DeviceID: dev.ID, Time: mustTime(t, "2024-04-02T16:00:00Z"), Lat: 21.47, Lon: 105.85,
		Accuracy: patrol.Unknown, Speed: patrol.Unknown, Heading: patrol.Unknown, Altitude: patrol.Unknown, Battery: patrol.Unknown})
	r, err := s.InsertFixes(ctx, append(fixes, fixes[3])) // a repeat inside the batch
	if err != nil {
		t.Fatal(err)
	}
	if r.Accepted != 51 || r.Duplicates != 1 {
		t.Fatalf("first insert: %+v, want 51 accepted, 1 duplicate", r)
	}
	r, err = s.InsertFixes(ctx, fixes)
	if err != nil {
		t.Fatal(err)
	}
	if r.Accepted != 0 || r.Duplicates != 51 {
		t.Fatalf("resend: %+v, want all duplicates", r)
	}
	var n int
	var firstTime string
	err = s.Pool().QueryRow(ctx, `SELECT count(*), to_char(min(ts) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') FROM fix`).Scan(&n, &firstTime)
	if err != nil {
		t.Fatal(err)
	}
	if n != 51 || firstTime != "2024-03-01T15:00:00.123456" {
		t.Fatalf("stored %d fixes, first at %s", n, firstTime)
	}
	var parts int
	s.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_inherits WHERE inhparent = 'fix'::regclass`).Scan(&parts)
	if parts != 2 {
		t.Fatalf("fix has %d partitions, want 2 (March and April 2024)", parts)
	}
}

// TestMigrateFromTheFirstReleaseWithData builds the first release's schema (migration 1), puts
// data in it through SQL of that release, then applies every later migration and checks the
// data is intact and usable.
func TestMigrateFromTheFirstReleaseWithData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := storetest.NewEmptyURL(t)
	if _, err := store.MigrateTo(ctx, u, 1); err != nil {
		t.Fatalf("migrate to 1: %v", err)
	}
	s, err := store.Open(ctx, u, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, q := range []string{
		`INSERT INTO unit (code, name, boundary) VALUES ('old', 'Old ward', ST_Multi(ST_MakeEnvelope(105.84, 21.46, 105.86, 21.48, 4326)))`,
		`INSERT INTO device (unit_id, ident, secret_hash) SELECT id, 'old-phone', sha256('s3cret'::bytea) FROM unit WHERE code = 'old'`,
		`SELECT ensure_fix_partition('2024-03-01T00:00:00Z')`,
		`INSERT INTO fix (unit_id, device_id, ts, geom, accuracy) SELECT u.id, d.id, '2024-03-01T15:00:00Z', ST_SetSRID(ST_MakePoint(105.85, 21.47), 4326), 5 FROM unit u, device d`,
		`INSERT INTO incident (unit_id, external_id, ts, geom, category) SELECT id, 'X-1', '2024-03-01T16:00:00Z', ST_SetSRID(ST_MakePoint(105.85, 21.47), 4326), 'theft' FROM unit`,
		`INSERT INTO area (unit_id, kind, name, geom) SELECT id, 'key_area', 'Chợ', ST_MakeEnvelope(105.849, 21.469, 105.851, 21.471, 4326) FROM unit`,
	} {
		if _, err := s.Pool().Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := store.Migrate(ctx, u, nil); err != nil {
		t.Fatalf("migrate the rest: %v", err)
	}
	var fixes, incidents, areas int
	if err := s.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM fix), (SELECT count(*) FROM incident), (SELECT count(*) FROM area)`).Scan(&fixes, &incidents, &areas); err != nil {
		t.Fatal(err)
	}
	if fixes != 1 || incidents != 1 || areas != 1 {
		t.Fatalf("after migrating: %d fixes, %d incidents, %d areas", fixes, incidents, areas)
	}
	unit, err := s.UnitByCode(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.ListIncidents(ctx, unit.ID, mustTime(t, "2024-03-01T00:00:00Z"), mustTime(t, "2024-03-02T00:00:00Z"), false)
	if err != nil || len(list) != 1 || list[0].ExternalID != "X-1" {
		t.Fatalf("old incident after migrating: %+v %v", list, err)
	}
}
