package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/patrolmap/patrolmap/patrol"
)

// TestCallerCacheForgetsOnEveryChange: a bearer token checked a moment ago is answered from
// the cache (a revocation made behind the Store's back, in SQL, is not seen at once — which is
// what shows the cache is used), and every change the Store makes to tokens and users — a
// revocation, a role or scope change, a disable, a new password — is seen by the very next
// check.
func TestCallerCacheForgetsOnEveryChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, users := adminFixture(t)
	off := users["officer1"]
	newToken := func() string {
		tok, err := s.CreateToken(ctx, off.ID, "gateway")
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.CallerByToken(ctx, tok)
		if err != nil || c.User.ID != off.ID {
			t.Fatalf("fresh token: %v %+v", err, c)
		}
		return tok
	}
	refused := func(what, tok string) {
		t.Helper()
		if c, err := s.CallerByToken(ctx, tok); !errors.Is(err, patrol.ErrNotFound) {
			t.Errorf("%s: token still accepted (%v, %+v)", what, err, c)
		}
	}

	tok := newToken()
	if _, err := s.Pool().Exec(ctx, `UPDATE api_token SET revoked_at = now() WHERE user_id = $1`, off.ID); err != nil {
		t.Fatal(err)
	}
	if c, err := s.CallerByToken(ctx, tok); err != nil || c.User.ID != off.ID {
		t.Errorf("a token checked a moment ago should come from the cache: %v %+v", err, c)
	}

	tok = newToken()
	c, _ := s.CallerByToken(ctx, tok)
	if err := s.RevokeToken(ctx, c.TokenID); err != nil {
		t.Fatal(err)
	}
	refused("revoked", tok)

	tok = newToken()
	analyst := patrol.RoleAnalyst
	if _, err := s.UpdateAccount(ctx, off.ID, patrol.AccountChange{Role: &analyst}); err != nil {
		t.Fatal(err)
	}
	if c, err := s.CallerByToken(ctx, tok); err != nil || c.User.Role != patrol.RoleAnalyst {
		t.Errorf("after a role change: %v, role %q", err, c.User.Role)
	}
	every := ""
	if _, err := s.UpdateAccount(ctx, off.ID, patrol.AccountChange{UnitCode: &every}); err != nil {
		t.Fatal(err)
	}
	if c, err := s.CallerByToken(ctx, tok); err != nil || c.User.UnitID != 0 {
		t.Errorf("after a scope change: %v, unit %d", err, c.User.UnitID)
	}

	if err := s.SetUserDisabled(ctx, off.ID, true); err != nil {
		t.Fatal(err)
	}
	refused("user disabled", tok)
	if err := s.SetUserDisabled(ctx, off.ID, false); err != nil {
		t.Fatal(err)
	}

	tok = newToken()
	if err := s.SetPassword(ctx, off.ID, "a-new-password"); err != nil {
		t.Fatal(err)
	}
	refused("password reset", tok)
}
