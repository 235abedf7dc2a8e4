package night

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// runMinutes ticks the scheduler s once a minute over [from, to) and returns what it raised.
func runMinutes(t *testing.T, s *Alerts, from, to time.Time) []patrol.NightAlert {
	t.Helper()
	var out []patrol.NightAlert
	for now := from; now.Before(to); now = now.Add(time.Minute) {
		got, err := s.Tick(context.Background(), now)
		if err != nil {
			t.Fatalf("tick at %v: %v", now, err)
		}
		out = append(out, got...)
	}
	return out
}

func alertNames(as []patrol.NightAlert) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.AreaName)
	}
	return out
}

func TestAlertsOncePerAreaAcrossRestart(t *testing.T) {
	for _, d := range []geo.Date{{Year: 2024, Month: 2, Day: 29}, {Year: 2026, Month: 12, Day: 31}, {Year: 2026, Month: 12, Day: 7}} {
		t.Run(d.String(), func(t *testing.T) {
			r := newReplayedNight(t, d, "Asia/Ho_Chi_Minh")
			repo := &fakeAlerts{fakeRepo: r.repo}
			first := &Alerts{Repo: repo}
			// The server runs from 21:00 to 01:00, then restarts (a new scheduler, no memory).
			got := runMinutes(t, first, r.local(0, 21, 0), r.local(1, 1, 0))
			if !slices.Equal(alertNames(got), []string{"Trường"}) {
				t.Fatalf("before the restart: %v, want Trường only", alertNames(got))
			}
			if a := got[0]; !a.DeadlineAt.Equal(r.local(1, 0, 30)) || !a.RaisedAt.Equal(r.local(1, 0, 30)) || a.Night != d.String() || a.Visits != 0 {
				t.Errorf("Trường alert %+v: want deadline and raised at 00:30", a)
			}
			second := &Alerts{Repo: repo}
			got = runMinutes(t, second, r.local(1, 1, 0), r.local(1, 7, 0))
			if !slices.Equal(alertNames(got), []string{"Công trường"}) {
				t.Fatalf("after the restart: %v, want Công trường only", alertNames(got))
			}
			if len(repo.alerts) != 2 {
				t.Fatalf("%d alerts stored, want 2: %v", len(repo.alerts), alertNames(repo.alerts))
			}
			// A third scheduler over the whole night again raises nothing.
			if got := runMinutes(t, &Alerts{Repo: repo}, r.local(0, 23, 0), r.local(1, 6, 0)); len(got) != 0 {
				t.Fatalf("a third run raised %v", alertNames(got))
			}
		})
	}
}

// A scheduler that was down through a deadline raises the alert when it comes back, judged by
// the board at the deadline, even if the area was visited in the meantime.
func TestAlertsLateSchedulerJudgesAtTheDeadline(t *testing.T) {
	r := newReplayedNight(t, geo.Date{Year: 2024, Month: 3, Day: 31}, "Asia/Ho_Chi_Minh")
	r.repo.fixes["1"] = append(r.repo.fixes["1"], stay(r.b, r.local(1, 0, 45), r.local(1, 1, 0))...)
	repo := &fakeAlerts{fakeRepo: r.repo, positions: []patrol.StoredFix{
		{DeviceIdent: "far", Fix: patrol.Fix{Lat: r.h.pt[1], Lon: r.h.pt[0], Time: r.local(1, 1, 29)}},
		{DeviceIdent: "near", Fix: patrol.Fix{Lat: r.b.pt[1] + 0.001, Lon: r.b.pt[0], Time: r.local(1, 1, 29)}},
		{DeviceIdent: "home", Fix: patrol.Fix{Lat: r.b.pt[1], Lon: r.b.pt[0], Time: r.local(1, 1, 29), Flags: patrol.FlagOffDuty}},
	}}
	s := &Alerts{Repo: repo}
	got, err := s.Tick(context.Background(), r.local(1, 1, 30))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(alertNames(got), []string{"Trường"}) {
		t.Fatalf("raised %v, want Trường", alertNames(got))
	}
	a := got[0]
	if !a.DeadlineAt.Equal(r.local(1, 0, 30)) || !a.RaisedAt.Equal(r.local(1, 1, 30)) {
		t.Errorf("deadline %v raised %v", a.DeadlineAt, a.RaisedAt)
	}
	if a.Nearest == nil || a.Nearest.Device != "near" || a.Nearest.Name != "Điện thoại Lê Thị Hoa" || a.Nearest.DistanceM < 50 || a.Nearest.DistanceM > 150 {
		t.Errorf("nearest %+v, want the on-duty device about 100 m away", a.Nearest)
	}
	// Met at its deadline: Chợ never raises, and is not judged again each minute.
	calls := r.repo.calls
	if got := runMinutes(t, s, r.local(1, 1, 31), r.local(1, 1, 41)); len(got) != 0 {
		t.Fatalf("raised %v", alertNames(got))
	}
	if r.repo.calls != calls {
		t.Errorf("coverage read %d more times for areas already judged", r.repo.calls-calls)
	}
	// Long after the night (beyond the lookback) nothing old is raised.
	fresh := &fakeAlerts{fakeRepo: r.repo}
	if got, _ := (&Alerts{Repo: fresh}).Tick(context.Background(), r.local(2, 20, 0)); len(got) != 0 {
		t.Errorf("raised %v a day late", alertNames(got))
	}
}
