package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// TestSeedDemoOnAwkwardDays runs `seed-demo --day D` on a leap day and on a 7th (the demo once
// failed from the 2nd to the 8th of every month), and checks the demo unit gets its report form.
func TestSeedDemoOnAwkwardDays(t *testing.T) {
	url := storetest.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	ctx := context.Background()
	for _, day := range []string{"2028-02-29", "2026-12-07"} {
		var out bytes.Buffer
		if err := run(ctx, []string{"seed-demo", "--day", day}, nil, &out, &out); err != nil {
			t.Fatalf("seed-demo --day %s: %v\n%s", day, err, out.String())
		}
		if !strings.Contains(out.String(), "day "+day) {
			t.Errorf("seed-demo --day %s says %q", day, out.String())
		}
	}
	s, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.UnitByCode(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.ReportSettings(ctx, u.ID)
	if err != nil || st.Agency != "CÔNG AN PHƯỜNG MẪU" || len(st.Recipients) == 0 || st.MinIncidents != 5 {
		t.Errorf("demo report settings %+v %v", st, err)
	}
}
