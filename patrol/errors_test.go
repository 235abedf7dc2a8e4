package patrol_test

import (
	"errors"
	"testing"

	"github.com/patrolmap/patrolmap/patrol"
)

func TestFieldErrors(t *testing.T) {
	err := error(&patrol.FieldErrors{Detail: "the change has invalid fields",
		List: []*patrol.FieldError{patrol.Invalid("role", "must be admin, analyst or officer"), patrol.Invalid("disabled", "true or false")}})
	if !errors.Is(err, patrol.ErrInvalid) {
		t.Fatal("FieldErrors is not ErrInvalid")
	}
	if want := "the change has invalid fields; role: must be admin, analyst or officer; disabled: true or false"; err.Error() != want {
		t.Fatalf("Error() = %q, want %q", err.Error(), want)
	}
	forbidden := &patrol.FieldError{Field: "unit", Reason: "outside your scope", Kind: patrol.ErrForbidden, Detail: "you may only place users in your own unit"}
	if !errors.Is(forbidden, patrol.ErrForbidden) || errors.Is(forbidden, patrol.ErrInvalid) || forbidden.Error() != forbidden.Detail {
		t.Fatalf("forbidden FieldError: %v", forbidden)
	}
}

func TestValidUnitCode(t *testing.T) {
	for code, want := range map[string]bool{
		"w1": true, "phuong-7": true, "a_b": true, "0": true, "": false, "-w": false, "_w": false,
		"W1": false, "w 1": false, "phường": false, "a23456789012345678901234567890123456789012345678901234567890123": true,
		"a234567890123456789012345678901234567890123456789012345678901234": false,
	} {
		if got := patrol.ValidUnitCode(code); got != want {
			t.Errorf("ValidUnitCode(%q) = %v, want %v", code, got, want)
		}
	}
}
