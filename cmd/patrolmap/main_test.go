package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// lastLine returns the last non-empty line of out.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestAdminCommandsPrintSecretsAlone(t *testing.T) {
	url := storetest.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate"}, nil, &out, &out); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if !strings.Contains(out.String(), "up to date") {
		t.Errorf("migrate on a migrated database: %q", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"seed-demo", "--day", "2024-03-10"}, nil, &out, &out); err != nil {
		t.Fatalf("seed-demo: %v", err)
	}
	if !strings.Contains(out.String(), "canbo1") {
		t.Errorf("seed-demo does not print the demo logins: %s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"user", "create", "--username", "an1", "--role", "analyst", "--unit", "demo", "--password-stdin"},
		strings.NewReader("a-long-password\n"), &out, &out); err != nil {
		t.Fatalf("user create: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"token", "create", "--username", "an1"}, nil, &out, &out); err != nil {
		t.Fatalf("token create: %v", err)
	}
	token := lastLine(out.String())
	out.Reset()
	if err := run(ctx, []string{"device", "create", "--unit", "demo", "--id", "phone-x", "--officer", "canbo1"}, nil, &out, &out); err != nil {
		t.Fatalf("device create: %v", err)
	}
	secret := lastLine(out.String())
	s, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := s.CallerByToken(ctx, token)
	if err != nil || c.User.Username != "an1" {
		t.Fatalf("the printed token %q does not authenticate an1: %v", token, err)
	}
	d, err := s.CallerByDeviceSecret(ctx, secret)
	if err != nil || d.Device.Ident != "phone-x" {
		t.Fatalf("the printed secret %q does not authenticate phone-x: %v", secret, err)
	}
	if _, err := s.CheckPassword(ctx, "an1", "a-long-password"); err != nil {
		t.Fatalf("password from stdin: %v", err)
	}
	// Usage errors name what is missing.
	err = run(ctx, []string{"user", "create", "--username", "x"}, nil, &out, &out)
	if _, ok := err.(usageError); !ok {
		t.Errorf("missing flags: %v", err)
	}
}

func TestSeedDemoIdempotent(t *testing.T) {
	url := storetest.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	ctx := context.Background()
	count := func() (fixes, incidents, users int) {
		s, err := store.Open(ctx, url, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		s.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM fix), (SELECT count(*) FROM incident), (SELECT count(*) FROM app_user)`).Scan(&fixes, &incidents, &users)
		return
	}
	var out bytes.Buffer
	day := time.Now().Format("2006-01-02")
	if err := run(ctx, []string{"seed-demo", "--day", day}, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	f1, i1, u1 := count()
	if f1 < 100000 || i1 < 250 || u1 != 7 {
		t.Fatalf("demo loaded %d fixes, %d incidents, %d users", f1, i1, u1)
	}
	out.Reset()
	if err := run(ctx, []string{"seed-demo", "--day", day}, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "already loaded") {
		t.Errorf("second seed-demo: %s", out.String())
	}
	if f2, i2, u2 := count(); f2 != f1 || i2 != i1 || u2 != u1 {
		t.Fatalf("second seed-demo changed counts: %d/%d/%d → %d/%d/%d", f1, i1, u1, f2, i2, u2)
	}
	// Another day replaces the data rather than adding to it.
	out.Reset()
	if err := run(ctx, []string{"seed-demo", "--day", "2024-01-15"}, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	f3, i3, u3 := count()
	if u3 != 7 || f3 > f1*12/10 || i3 > i1*12/10 {
		t.Fatalf("reseeding for another day accumulated data: %d fixes, %d incidents, %d users", f3, i3, u3)
	}
}

func TestParseRetention(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 0, "0": 0, "400d": 400 * 24 * time.Hour, "9600h": 9600 * time.Hour} {
		got, err := parseRetention(in)
		if err != nil || got != want {
			t.Errorf("parseRetention(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"-3d", "x", "12", "0d"} {
		if _, err := parseRetention(bad); err == nil {
			t.Errorf("parseRetention(%q) accepted", bad)
		}
	}
}

func init() { store.BcryptCost = 4 }
