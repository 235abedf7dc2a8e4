// Package storetest gives each database test its own PostgreSQL database, cloned in
// milliseconds from a migrated template, so tests run in parallel and a failed test's database
// is kept for a look.
//
// The server comes from TEST_DATABASE_URL (a URL whose user may create databases). When it is
// unset or unreachable the test fails if CI=true and is skipped otherwise: `make test` always
// sets it, starting a private cluster when needed.
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/patrolmap/patrolmap/migrations"
	"github.com/patrolmap/patrolmap/store"
)

// ServerURL returns TEST_DATABASE_URL, failing (CI=true) or skipping the test when it is unset.
func ServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("TEST_DATABASE_URL")
	if u == "" {
		Unavailable(t, "TEST_DATABASE_URL is not set (run `make test`, which starts a private PostGIS)")
	}
	return u
}

// Unavailable fails the test when CI=true and skips it otherwise.
func Unavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("required test dependency missing: %s", why)
	}
	t.Skipf("skipped: %s", why)
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// schemaHash names the template after the migrations' content, so a changed schema gets a new
// template instead of a stale one.
func schemaHash() (string, error) {
	h := sha256.New()
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := fs.ReadFile(migrations.FS, n)
		if err != nil {
			return "", err
		}
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// WithDatabase returns url with its database name replaced.
func WithDatabase(raw, db string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("parse TEST_DATABASE_URL: %w", err)
	}
	u.Path = "/" + db
	return u.String(), nil
}

func ensureTemplate(ctx context.Context, server string) (string, error) {
	templateOnce.Do(func() {
		hash, err := schemaHash()
		if err != nil {
			templateErr = err
			return
		}
		templateName = "patrolmap_tmpl_" + hash
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			templateErr = fmt.Errorf("connect to test server: %w", err)
			return
		}
		defer conn.Close(ctx)
		// Test binaries of several packages run at once: one builds the template, the others wait.
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(727274)`); err != nil {
			templateErr = err
			return
		}
		defer conn.Exec(ctx, `SELECT pg_advisory_unlock(727274)`)
		var exists bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)`, templateName).Scan(&exists); err != nil {
			templateErr = err
			return
		}
		if exists {
			return
		}
		building := templateName + "_build"
		conn.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{building}.Sanitize())
		if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{building}.Sanitize()); err != nil {
			templateErr = fmt.Errorf("create template database: %w", err)
			return
		}
		tu, err := WithDatabase(server, building)
		if err != nil {
			templateErr = err
			return
		}
		if _, err := store.Migrate(ctx, tu, nil); err != nil {
			templateErr = fmt.Errorf("migrate template: %w", err)
			return
		}
		if _, err := conn.Exec(ctx, `ALTER DATABASE `+pgx.Identifier{building}.Sanitize()+` RENAME TO `+pgx.Identifier{templateName}.Sanitize()); err != nil {
			templateErr = fmt.Errorf("rename template: %w", err)
			return
		}
		if _, err := conn.Exec(ctx, `ALTER DATABASE `+pgx.Identifier{templateName}.Sanitize()+` WITH is_template = true ALLOW_CONNECTIONS = false`); err != nil {
			templateErr = fmt.Errorf("mark template: %w", err)
			return
		}
	})
	return templateName, templateErr
}

// NewURL creates a fresh migrated database for the test and returns its URL. The database is
// dropped when the test passes and kept (its name logged) when it fails.
func NewURL(t testing.TB) string {
	t.Helper()
	server := ServerURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		Unavailable(t, fmt.Sprintf("cannot reach the test PostGIS: %v", err))
	}
	defer conn.Close(ctx)
	tmpl, err := ensureTemplate(ctx, server)
	if err != nil {
		t.Fatalf("test database template: %v", err)
	}
	var b [4]byte
	rand.Read(b[:])
	name := fmt.Sprintf("t_%s_%s", sanitize(t.Name()), hex.EncodeToString(b[:]))
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()+` TEMPLATE `+pgx.Identifier{tmpl}.Sanitize()); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	u, err := WithDatabase(server, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("kept the failed test's database %s", name)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := pgx.Connect(ctx, server)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		c.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`)
	})
	return u
}

// New returns an open Store on a fresh migrated database for the test.
func New(t testing.TB) *store.Store {
	t.Helper()
	u := NewURL(t)
	s, err := store.Open(context.Background(), u, store.Options{})
	if err != nil {
		t.Fatalf("open test store: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func sanitize(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return b.String()
}

// NewEmptyURL creates an empty database (PostGIS not yet installed, nothing migrated) for tests
// of the migrations themselves.
func NewEmptyURL(t testing.TB) string {
	t.Helper()
	server := ServerURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		Unavailable(t, fmt.Sprintf("cannot reach the test PostGIS: %v", err))
	}
	defer conn.Close(ctx)
	var b [4]byte
	rand.Read(b[:])
	name := fmt.Sprintf("e_%s_%s", sanitize(t.Name()), hex.EncodeToString(b[:]))
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()+` TEMPLATE template0`); err != nil {
		t.Fatalf("create empty test database: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("kept the failed test's database %s", name)
			return
		}
		c, err := pgx.Connect(context.Background(), server)
		if err == nil {
			c.Exec(context.Background(), `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`)
			c.Close(context.Background())
		}
	})
	u, err := WithDatabase(server, name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
