package night

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"time"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// HandoverRepository is the storage the morning handover needs besides the alerts'.
type HandoverRepository interface {
	AlertRepository
	// PatrolSummary sums a unit's patrol (kilometres, hours) inside the periods, as the report does.
	PatrolSummary(ctx context.Context, unitID int, nights []geo.Period) (patrol.PatrolSummary, error)
	// ListIncidents returns a unit's incidents in [from, to).
	ListIncidents(ctx context.Context, unitID int, from, to time.Time, withVoid bool) ([]patrol.Incident, error)
	// SaveHandover archives a handover unless the unit has one for the night; it reports
	// whether this call archived it.
	SaveHandover(ctx context.Context, h patrol.NightHandover) (patrol.NightHandover, bool, error)
}

// HandoverDelay is how long after a night's end its handover is written, so that phones that
// buffered their last fixes have sent them.
const HandoverDelay = 10 * time.Minute

// Handover is the morning handover of one unit and night: the board at the night's end, the
// alerts and who acknowledged them, the hot spot dosage, the patrol done and the incidents.
type Handover struct {
	Unit        string             `json:"unit"`
	UnitName    string             `json:"unit_name"`
	Night       string             `json:"night"`
	Start       time.Time          `json:"start"`
	End         time.Time          `json:"end"`
	GeneratedAt time.Time          `json:"generated_at"`
	Summary     map[Status]int     `json:"summary"`
	Areas       []HandoverArea     `json:"areas"`
	Alerts      []HandoverAlert    `json:"alerts"`
	Hotspots    []HandoverHotspot  `json:"hotspots"`
	Patrol      HandoverPatrol     `json:"patrol"`
	Incidents   []HandoverIncident `json:"incidents"`
	ByCategory  map[string]int     `json:"incidents_by_category"`
	Dosage      map[string]float64 `json:"dosage"`
}

// HandoverArea is a key area at the night's end.
type HandoverArea struct {
	AreaID   int64      `json:"area_id"`
	Name     string     `json:"name"`
	Required int        `json:"required"`
	Visits   int        `json:"visits"`
	DwellMin []float64  `json:"dwell_min"`
	Status   Status     `json:"status"`
	Deadline string     `json:"deadline,omitempty"`
	Officers []string   `json:"officers"`
	Last     *time.Time `json:"last_visit"`
}

// HandoverAlert is a deadline alert of the night.
type HandoverAlert struct {
	AreaID         int64      `json:"area_id"`
	AreaName       string     `json:"area_name"`
	DeadlineAt     time.Time  `json:"deadline_at"`
	RaisedAt       time.Time  `json:"raised_at"`
	Nearest        string     `json:"nearest,omitempty"`
	AcknowledgedBy string     `json:"acknowledged_by,omitempty"`
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
}

// HandoverHotspot is the dose of one hot spot cell.
type HandoverHotspot struct {
	Cell          string  `json:"cell"`
	Visits        int     `json:"visits"`
	LongestGapMin float64 `json:"longest_gap_min"`
	DosageMet     bool    `json:"dosage_met"`
}

// HandoverPatrol is the patrol done in the night, as the report sums it.
type HandoverPatrol struct {
	Km      float64 `json:"km"`
	Hours   float64 `json:"hours"`
	Devices int     `json:"devices"`
	Fixes   int     `json:"fixes"`
}

// HandoverIncident is an incident recorded in the night.
type HandoverIncident struct {
	Time        time.Time `json:"time"`
	Category    string    `json:"category"`
	Severity    int       `json:"severity"`
	Status      string    `json:"status"`
	Description string    `json:"description,omitempty"`
}

// BuildHandover writes the handover of night d of the unit, as of now (normally after the
// night's end: the board is then the board at the end).
func BuildHandover(ctx context.Context, repo HandoverRepository, u patrol.Unit, d geo.Date, now time.Time) (Handover, error) {
	loc, nw := Zone(u), Window(u)
	period := nw.Night(d, loc)
	at := now
	if at.After(period.To) {
		at = period.To
	}
	b, err := Tonight(ctx, repo, u, d, at, Options{})
	if err != nil {
		return Handover{}, err
	}
	h := Handover{Unit: u.Code, UnitName: u.Name, Night: d.String(), Start: period.From.UTC(), End: period.To.UTC(), GeneratedAt: now.UTC(),
		Summary: map[Status]int{StatusMet: 0, StatusPending: 0, StatusOverdue: 0, StatusMissed: 0},
		Areas:   []HandoverArea{}, Alerts: []HandoverAlert{}, Hotspots: []HandoverHotspot{}, Incidents: []HandoverIncident{},
		ByCategory: map[string]int{},
		Dosage:     map[string]float64{"min_dwell_min": b.Options.MinDwellMin, "max_gap_min": b.Options.MaxGapMin}}
	for _, a := range b.Areas {
		h.Summary[a.Status]++
		ha := HandoverArea{AreaID: a.Area.ID, Name: a.Area.Name, Required: a.Required, Visits: a.Visits, DwellMin: roundAll(a.DwellMin),
			Status: a.Status, Deadline: a.Deadline, Officers: a.Officers}
		if !a.LastVisit.IsZero() {
			t := a.LastVisit.UTC()
			ha.Last = &t
		}
		h.Areas = append(h.Areas, ha)
	}
	for _, c := range b.Hotspots {
		h.Hotspots = append(h.Hotspots, HandoverHotspot{Cell: c.Cell.String(), Visits: c.Visits,
			LongestGapMin: math.Round(c.LongestGapMin*10) / 10, DosageMet: c.DosageMet})
	}
	alerts, err := repo.ListAlerts(ctx, u.ID, period.From, period.To)
	if err != nil {
		return Handover{}, err
	}
	for _, a := range alerts {
		ha := HandoverAlert{AreaID: a.AreaID, AreaName: a.AreaName, DeadlineAt: a.DeadlineAt.UTC(), RaisedAt: a.RaisedAt.UTC(), AcknowledgedBy: a.AckByName}
		if a.Nearest != nil {
			ha.Nearest = fmt.Sprintf("%s (%.0f m)", a.Nearest.Device, a.Nearest.DistanceM)
		}
		if !a.AckAt.IsZero() {
			t := a.AckAt.UTC()
			ha.AcknowledgedAt = &t
		}
		h.Alerts = append(h.Alerts, ha)
	}
	sum, err := repo.PatrolSummary(ctx, u.ID, []geo.Period{{From: period.From, To: at}})
	if err != nil {
		return Handover{}, err
	}
	h.Patrol = HandoverPatrol{Km: math.Round(sum.DistanceKm*100) / 100, Hours: math.Round(sum.Hours*100) / 100, Devices: sum.Devices, Fixes: sum.Fixes}
	incidents, err := repo.ListIncidents(ctx, u.ID, period.From, period.To, false)
	if err != nil {
		return Handover{}, err
	}
	sort.SliceStable(incidents, func(i, j int) bool { return incidents[i].Time.Before(incidents[j].Time) })
	for _, in := range incidents {
		if in.Status == patrol.StatusVoid {
			continue
		}
		h.Incidents = append(h.Incidents, HandoverIncident{Time: in.Time.UTC(), Category: in.Category, Severity: in.Severity,
			Status: in.Status, Description: in.Description})
		h.ByCategory[in.Category]++
	}
	return h, nil
}

func roundAll(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Round(x*10) / 10
	}
	return out
}

// Handovers archives each unit's handover once, HandoverDelay after its night ends (within a
// day, so a server that was down catches up). The store's unique key makes it once per night
// across restarts; the memory only saves rebuilding an archived one.
type Handovers struct {
	Repo HandoverRepository
	Log  *slog.Logger
	done map[string]bool // unit code + night
}

// Tick archives the handovers due at now and returns those this call archived.
func (s *Handovers) Tick(ctx context.Context, now time.Time) ([]patrol.NightHandover, error) {
	units, err := s.Repo.ListUnits(ctx, 0)
	if err != nil {
		return nil, err
	}
	if s.done == nil {
		s.done = map[string]bool{}
	}
	var out []patrol.NightHandover
	var firstErr error
	for _, u := range units {
		loc, nw := Zone(u), Window(u)
		d := Of(u, now).AddDays(-1)
		end := nw.Night(d, loc).To
		key := u.Code + " " + d.String()
		if now.Before(end.Add(HandoverDelay)) || now.Sub(end) > 24*time.Hour || s.done[key] {
			continue
		}
		h, err := BuildHandover(ctx, s.Repo, u, d, now)
		if err == nil {
			var content []byte
			if content, err = json.Marshal(h); err == nil {
				var saved patrol.NightHandover
				var archived bool
				saved, archived, err = s.Repo.SaveHandover(ctx, patrol.NightHandover{UnitID: u.ID, UnitCode: u.Code, Night: d.String(),
					CreatedAt: now, Content: content})
				if err == nil {
					s.done[key] = true
					if archived {
						out = append(out, saved)
						if s.Log != nil {
							s.Log.Info("morning handover archived", "unit", u.Code, "night", d.String())
						}
					}
				}
			}
		}
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("handover of unit %s, night %s: %w", u.Code, d, err)
		}
	}
	return out, firstErr
}

// Scheduler runs the night's timed work in serve: the deadline alerts, then the handovers.
type Scheduler struct {
	Alerts    *Alerts
	Handovers *Handovers
	Log       *slog.Logger
}

// NewScheduler returns the scheduler over a repository.
func NewScheduler(repo HandoverRepository, log *slog.Logger) *Scheduler {
	return &Scheduler{Alerts: &Alerts{Repo: repo, Log: log}, Handovers: &Handovers{Repo: repo, Log: log}, Log: log}
}

// Run ticks both now and then every interval until ctx ends, logging failures.
func (s *Scheduler) Run(ctx context.Context, every time.Duration, now func() time.Time) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if _, err := s.Alerts.Tick(ctx, now()); err != nil && ctx.Err() == nil && s.Log != nil {
			s.Log.Warn("deadline alerts tick", "err", err)
		}
		if _, err := s.Handovers.Tick(ctx, now()); err != nil && ctx.Err() == nil && s.Log != nil {
			s.Log.Warn("handover tick", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
