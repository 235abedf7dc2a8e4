package store_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/patrolmap/patrolmap/demo"
	"github.com/patrolmap/patrolmap/demo/load"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// TestDemoUsersHaveTheirOwnSalts: the demo accounts share a password but not a hash, so the
// table does not tell that they do; each hash still checks against the demo password.
func TestDemoUsersHaveTheirOwnSalts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	w, err := demo.Generate(1, time.Date(2026, 12, 7, 9, 0, 0, 0, ict))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := load.Demo(ctx, s, w); err != nil {
		t.Fatal(err)
	}
	rows, err := s.Pool().Query(ctx, `SELECT username, password_hash FROM app_user ORDER BY username`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]string{}
	for rows.Next() {
		var user, hash string
		if err := rows.Scan(&user, &hash); err != nil {
			t.Fatal(err)
		}
		if other, ok := seen[hash]; ok {
			t.Errorf("%s and %s have the same password hash", user, other)
		}
		seen[hash] = user
		if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(load.Password)); err != nil {
			t.Errorf("%s: the hash does not check against the demo password: %v", user, err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(seen) < 3 {
		t.Fatalf("only %d demo accounts", len(seen))
	}
}
