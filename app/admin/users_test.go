package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/patrolmap/patrolmap/app/admin"
	"github.com/patrolmap/patrolmap/patrol"
)

func rawOf(t *testing.T, body string) map[string]json.RawMessage {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestParseUserChange(t *testing.T) {
	tests := []struct {
		body   string
		want   string   // the change, as fullname|role|unit|disabled with - for unset
		fields []string // the bad fields, sorted; nil: none
	}{
		{`{"full_name":"Nguyễn Văn A"}`, "Nguyễn Văn A|-|-|-", nil},
		{`{"role":"analyst","disabled":true}`, "-|analyst|-|true", nil},
		{`{"unit":"w2"}`, "-|-|w2|-", nil},
		{`{"unit":null}`, "-|-||-", nil},
		{`{"unit":""}`, "-|-||-", nil},
		{`{"disabled":false}`, "-|-|-|false", nil},
		{`{}`, "", []string{"body"}},
		{`{"role":"chief"}`, "", []string{"role"}},
		{`{"full_name":"` + strings.Repeat("a", 201) + `"}`, "", []string{"full_name"}},
		{`{"full_name":7,"disabled":"yes","unit":5,"password":"x"}`, "", []string{"disabled", "full_name", "password", "unit"}},
	}
	for _, tc := range tests {
		t.Run(tc.body[:min(len(tc.body), 40)], func(t *testing.T) {
			ch, err := admin.ParseUserChange(rawOf(t, tc.body))
			if tc.fields == nil {
				if err != nil || changeString(ch) != tc.want {
					t.Fatalf("ParseUserChange = %s, %v; want %s", changeString(ch), err, tc.want)
				}
				return
			}
			if got := badFields(err); !slices.Equal(got, tc.fields) {
				t.Fatalf("ParseUserChange error %v: fields %v, want %v", err, got, tc.fields)
			}
			if !errors.Is(err, patrol.ErrInvalid) {
				t.Fatalf("ParseUserChange error %v is not ErrInvalid", err)
			}
		})
	}
}

// TestParseUserChangeListsFields: several bad fields are one error with the list's sentence,
// even when only one is bad (the answer's detail does not depend on how many).
func TestParseUserChangeListsFields(t *testing.T) {
	_, err := admin.ParseUserChange(rawOf(t, `{"role":"chief"}`))
	var list *patrol.FieldErrors
	if !errors.As(err, &list) || list.Detail != "the change has invalid fields" || len(list.List) != 1 {
		t.Fatalf("error %#v, want a FieldErrors with the change's sentence", err)
	}
}

func changeString(ch patrol.AccountChange) string {
	s := func(p *string) string {
		if p == nil {
			return "-"
		}
		return *p
	}
	role, disabled := "-", "-"
	if ch.Role != nil {
		role = string(*ch.Role)
	}
	if ch.Disabled != nil {
		disabled = map[bool]string{true: "true", false: "false"}[*ch.Disabled]
	}
	return s(ch.FullName) + "|" + role + "|" + s(ch.UnitCode) + "|" + disabled
}

// badFields returns the sorted fields an error names.
func badFields(err error) []string {
	var out []string
	var list *patrol.FieldErrors
	var one *patrol.FieldError
	switch {
	case errors.As(err, &list):
		for _, fe := range list.List {
			out = append(out, fe.Field)
		}
	case errors.As(err, &one):
		out = append(out, one.Field)
	}
	slices.Sort(out)
	return out
}

func TestUpdateUser(t *testing.T) {
	tests := []struct {
		name, caller, user, body string
		lastAdmin                bool
		kind                     error  // nil: the change is made
		field                    string // the field the refusal names
		audit                    string // what is audited when the change is made
	}{
		{name: "an admin renames an officer", caller: "root", user: "off1", body: `{"full_name":"Trần B"}`, audit: "1 user.update off1"},
		{name: "disabling alone is user.disable", caller: "boss", user: "off1", body: `{"disabled":true}`, audit: "1 user.disable off1"},
		{name: "enabling alone is user.enable", caller: "boss", user: "off2", body: `{"disabled":false}`, audit: "1 user.enable off2"},
		{name: "disabling with a rename is user.update", caller: "boss", user: "off1", body: `{"disabled":true,"full_name":"X"}`, audit: "1 user.update off1"},
		{name: "an admin of all units moves an officer to w2", caller: "root", user: "off1", body: `{"unit":"w2"}`, audit: "2 user.update off1"},
		{name: "renaming oneself is fine", caller: "boss", user: "boss", body: `{"full_name":"Sếp"}`, audit: "1 user.update boss"},
		{name: "keeping one's own role is fine", caller: "boss", user: "boss", body: `{"role":"admin"}`, audit: "1 user.update boss"},
		{name: "nobody demotes themselves", caller: "boss", user: "boss", body: `{"role":"analyst"}`, kind: patrol.ErrConflict},
		{name: "nobody disables themselves", caller: "root", user: "root", body: `{"disabled":true}`, kind: patrol.ErrConflict},
		{name: "nobody changes their own scope", caller: "root", user: "root", body: `{"unit":"w1"}`, kind: patrol.ErrConflict},
		{name: "an admin of w1 cannot place a user in w2", caller: "boss", user: "an1", body: `{"unit":"w2"}`, kind: patrol.ErrForbidden, field: "unit"},
		{name: "an admin of w1 cannot widen a user to all units", caller: "boss", user: "an1", body: `{"unit":null}`, kind: patrol.ErrForbidden, field: "unit"},
		{name: "an officer belongs to one unit", caller: "root", user: "an1", body: `{"role":"officer","unit":null}`, kind: patrol.ErrInvalid, field: "unit"},
		{name: "an officer cannot lose their unit", caller: "root", user: "off1", body: `{"unit":""}`, kind: patrol.ErrInvalid, field: "unit"},
		{name: "an unknown unit", caller: "root", user: "off1", body: `{"unit":"w9"}`, kind: patrol.ErrNotFound, field: "unit"},
		{name: "a malformed unit code", caller: "root", user: "off1", body: `{"unit":"W 1"}`, kind: patrol.ErrInvalid, field: "unit"},
		{name: "the last admin of all units stays", caller: "root2", user: "root", body: `{"disabled":true}`, lastAdmin: true, kind: patrol.ErrConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := newStore()
			db.lastAdmin = tc.lastAdmin
			u, err := db.UserByUsername(context.Background(), tc.user)
			if err != nil {
				t.Fatal(err)
			}
			ch, err := admin.ParseUserChange(rawOf(t, tc.body))
			if err != nil {
				t.Fatal(err)
			}
			var log auditLog
			a, err := admin.UpdateUser(context.Background(), db, callerNamed(db, tc.caller), u, ch, []byte(tc.body), log.record)
			if tc.kind != nil {
				var fe *patrol.FieldError
				if !errors.Is(err, tc.kind) || !errors.As(err, &fe) || fe.Field != tc.field {
					t.Fatalf("UpdateUser = %v; want a %v FieldError on %q", err, tc.kind, tc.field)
				}
				if len(db.updated) != 0 || len(log) != 0 {
					t.Fatalf("refused, yet updated %v and audited %v", db.updated, log)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.User.Username != tc.user || len(db.updated) != 1 {
				t.Fatalf("account %+v after %d updates", a.User, len(db.updated))
			}
			if want := tc.audit + " " + tc.body; len(log) != 1 || log[0] != want {
				t.Fatalf("audited %q, want %q", log, want)
			}
		})
	}
}
