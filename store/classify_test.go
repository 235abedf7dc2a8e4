package store

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/patrolmap/patrolmap/patrol"
)

// TestClassifySQLState: the store turns PostgreSQL's SQLSTATEs into the domain's errors, so
// nothing above it knows PostgreSQL.
func TestClassifySQLState(t *testing.T) {
	tests := []struct {
		code  string
		want  error // nil: passed on unchanged
		field string
	}{
		{"23505", patrol.ErrConflict, ""},
		{"22021", patrol.ErrInvalid, "request"}, // invalid byte sequence (a NUL byte)
		{"22P05", patrol.ErrInvalid, "request"}, // untranslatable character
		{"08006", patrol.ErrUnavailable, ""},    // connection failure
		{"08001", patrol.ErrUnavailable, ""},
		{"57P01", patrol.ErrUnavailable, ""}, // admin shutdown
		{"57P03", patrol.ErrUnavailable, ""}, // cannot connect now
		{"57014", patrol.ErrUnavailable, ""}, // query canceled (statement timeout)
		{"58030", patrol.ErrUnavailable, ""}, // I/O error
		{"53300", patrol.ErrUnavailable, ""}, // too many connections
		{"40P01", patrol.ErrUnavailable, ""}, // deadlock
		{"42P01", nil, ""},                   // undefined table: a fault, not the caller's
		{"23503", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			raw := fmt.Errorf("insert: %w", &pgconn.PgError{Code: tc.code, Message: "m"})
			err := classify(raw)
			var pg *pgconn.PgError
			if !errors.As(err, &pg) || pg.Code != tc.code {
				t.Fatalf("the database's error is lost: %v", err)
			}
			if tc.want == nil {
				for _, e := range []error{patrol.ErrConflict, patrol.ErrInvalid, patrol.ErrUnavailable, patrol.ErrNotFound} {
					if errors.Is(err, e) {
						t.Fatalf("%s classified as %v", tc.code, e)
					}
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("%s: %v is not %v", tc.code, err, tc.want)
			}
			var fe *patrol.FieldError
			if tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field) {
				t.Fatalf("%s: %v names no field %s", tc.code, err, tc.field)
			}
		})
	}
	if !errors.Is(classify(pgx.ErrNoRows), patrol.ErrNotFound) {
		t.Fatal("no rows is not ErrNotFound")
	}
}
