package night

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

func TestHandoverArchivedOncePerNight(t *testing.T) {
	for _, d := range []geo.Date{{Year: 2024, Month: 2, Day: 29}, {Year: 2026, Month: 12, Day: 31}} {
		t.Run(d.String(), func(t *testing.T) {
			r := newReplayedNight(t, d, "Asia/Ho_Chi_Minh")
			repo := &fakeNight{fakeAlerts: &fakeAlerts{fakeRepo: r.repo}, incidents: []patrol.Incident{
				{Time: r.local(1, 1, 30), Category: "theft", Severity: 3, Status: patrol.StatusOpen, Description: "Mất xe máy"},
				{Time: r.local(1, 2, 0), Category: "disorder", Severity: 2, Status: patrol.StatusVoid},
				{Time: r.local(1, 6, 0), Category: "theft", Severity: 3, Status: patrol.StatusOpen}, // after the night
			}}
			s := NewScheduler(repo, nil)
			tick := func(s *Scheduler, from, to time.Time) int {
				n := 0
				for now := from; now.Before(to); now = now.Add(time.Minute) {
					if _, err := s.Alerts.Tick(context.Background(), now); err != nil {
						t.Fatal(err)
					}
					got, err := s.Handovers.Tick(context.Background(), now)
					if err != nil {
						t.Fatal(err)
					}
					for _, h := range got {
						if h.Night == d.String() { // the night before is archived in this window too
							n++
						}
					}
				}
				return n
			}
			if n := tick(s, r.local(1, 4, 0), r.local(1, 5, 10)); n != 0 {
				t.Fatalf("%d handovers before 05:10", n)
			}
			if n := tick(s, r.local(1, 5, 10), r.local(1, 6, 0)); n != 1 {
				t.Fatalf("%d handovers by 06:00, want 1", n)
			}
			// A restarted server archives nothing more; the next day nothing either.
			if n := tick(NewScheduler(repo, nil), r.local(1, 6, 0), r.local(1, 7, 0)); n != 0 || len(repo.handovers) != 2 {
				t.Fatalf("after a restart %d more, %d stored (want the night before and this one)", n, len(repo.handovers))
			}
			var h Handover
			if err := json.Unmarshal(repo.handovers[1].Content, &h); err != nil {
				t.Fatal(err)
			}
			if h.Night != d.String() || h.Summary[StatusMet] != 1 || h.Summary[StatusMissed] != 2 || len(h.Areas) != 3 {
				t.Errorf("handover night %s summary %v areas %d", h.Night, h.Summary, len(h.Areas))
			}
			if len(h.Alerts) != 2 || h.Alerts[0].AreaName != "Trường" || h.Alerts[1].AreaName != "Công trường" {
				t.Errorf("alerts %+v", h.Alerts)
			}
			if len(h.Incidents) != 1 || h.ByCategory["theft"] != 1 || h.Patrol.Km != 3.46 || h.Patrol.Hours != 0.75 {
				t.Errorf("incidents %+v by %v patrol %+v", h.Incidents, h.ByCategory, h.Patrol)
			}
			found := false
			for _, c := range h.Hotspots {
				if c.Cell == r.h.cell.String() {
					found = c.Visits == 2 && !c.DosageMet
				}
			}
			if !found {
				t.Errorf("hot spot dosage %+v", h.Hotspots)
			}
		})
	}
}
