package live_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/demo"
	"github.com/patrolmap/patrolmap/demo/live"
	"github.com/patrolmap/patrolmap/patrol"
)

var ict = time.FixedZone("ICT", 7*3600)

// fakeStore is the demo ward's play state, devices, fixes and incidents in memory. Like the
// real store it keys fixes by device and time and incidents by external id, and answers a
// second copy as a duplicate.
type fakeStore struct {
	seed    int64
	through time.Time
	loaded  bool
	unit    patrol.Unit
	devices map[string]patrol.Device

	fixes     map[string]patrol.Fix // by device id and time
	written   []patrol.Fix          // every fix stored, in the order of writing
	sent      int                   // fixes passed to StoreFixes
	incidents map[string]patrol.Incident
	incSent   int
}

func newFakeStore(t *testing.T, seed int64, through time.Time) *fakeStore {
	t.Helper()
	w, err := demo.Generate(seed, through)
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeStore{seed: seed, through: through, loaded: true, unit: patrol.Unit{ID: 3, Code: demo.Code},
		devices: map[string]patrol.Device{}, fixes: map[string]patrol.Fix{}, incidents: map[string]patrol.Incident{}}
	for i, o := range w.Officers {
		s.devices[o.DeviceID] = patrol.Device{ID: 10 + i, UnitID: 3, UnitCode: demo.Code, Ident: o.DeviceID, Active: true}
	}
	return s
}

func (s *fakeStore) WardPlay(_ context.Context, code string) (int64, time.Time, error) {
	if !s.loaded || code != demo.Code {
		return 0, time.Time{}, fmt.Errorf("ward %s: %w", code, patrol.ErrNotFound)
	}
	return s.seed, s.through, nil
}

func (s *fakeStore) AdvanceWardPlay(_ context.Context, code string, through time.Time) error {
	if code == demo.Code && !s.through.IsZero() && through.After(s.through) {
		s.through = through
	}
	return nil
}

func (s *fakeStore) UnitByCode(_ context.Context, code string) (patrol.Unit, error) {
	if code != s.unit.Code {
		return patrol.Unit{}, patrol.ErrNotFound
	}
	return s.unit, nil
}

func (s *fakeStore) DevicesByIdent(_ context.Context, idents []string) (map[string]patrol.Device, error) {
	out := map[string]patrol.Device{}
	for _, id := range idents {
		if d, ok := s.devices[id]; ok {
			out[id] = d
		}
	}
	return out, nil
}

func (s *fakeStore) StoreFixes(_ context.Context, fixes []patrol.Fix) ([]patrol.StoreOutcome, error) {
	out := make([]patrol.StoreOutcome, len(fixes))
	s.sent += len(fixes)
	for i, f := range fixes {
		k := fixKey(f.DeviceID, f.Time)
		if _, ok := s.fixes[k]; ok {
			out[i] = patrol.FixDuplicate
			continue
		}
		s.fixes[k] = f
		s.written = append(s.written, f)
		out[i] = patrol.FixStored
	}
	return out, nil
}

func (s *fakeStore) InsertIncidents(_ context.Context, unitID int, _ int64, list []patrol.Incident) (patrol.IngestResult, []int64, error) {
	var res patrol.IngestResult
	s.incSent += len(list)
	for _, in := range list {
		if _, ok := s.incidents[in.ExternalID]; ok || unitID != s.unit.ID {
			res.Duplicates++
			continue
		}
		s.incidents[in.ExternalID] = in
		res.Accepted++
	}
	return res, make([]int64, len(list)), nil
}

func fixKey(device int, t time.Time) string { return fmt.Sprint(device, "@", t.UnixMicro()) }

// clock is a fake clock the test moves.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newPlayer(t *testing.T, s live.Store, c *clock) *live.Player {
	t.Helper()
	p, err := live.New(s, c.now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// liveDays remembers demo.Live by seed and date for the tests.
var liveDays = map[string]*demo.LiveDay{}

func liveDay(t *testing.T, seed int64, date time.Time) *demo.LiveDay {
	t.Helper()
	key := fmt.Sprint(seed, date.In(ict).Format(time.DateOnly))
	if d, ok := liveDays[key]; ok {
		return d
	}
	d, err := demo.Live(seed, date)
	if err != nil {
		t.Fatal(err)
	}
	liveDays[key] = d
	return d
}

// due lists what the demo holds in (from, to]: fixes by device id and time (as the fake keys
// them) and incident ids, read from demo.Live date by date.
func due(t *testing.T, s *fakeStore, from, to time.Time) (fixes map[string]bool, incidents map[string]bool) {
	t.Helper()
	fixes, incidents = map[string]bool{}, map[string]bool{}
	for d := from.In(ict).AddDate(0, 0, -2); !d.After(to.In(ict).AddDate(0, 0, 1)); d = d.AddDate(0, 0, 1) {
		day := liveDay(t, s.seed, d)
		for _, f := range day.Fixes {
			if f.Time.After(from) && !f.Time.After(to) {
				fixes[fixKey(s.devices[f.Device].ID, f.Time)] = true
			}
		}
		for _, in := range day.Incidents {
			if in.Time.After(from) && !in.Time.After(to) {
				incidents[in.ExternalID] = true
			}
		}
	}
	return fixes, incidents
}

// check fails unless the store holds exactly what came due in (loaded, now], each sent once,
// written in time order.
func check(t *testing.T, s *fakeStore, loaded, now time.Time) {
	t.Helper()
	fixes, incidents := due(t, s, loaded, now)
	if len(s.fixes) != len(fixes) || s.sent != len(fixes) {
		t.Fatalf("at %s: %d fixes stored (%d sent), want %d", now.In(ict), len(s.fixes), s.sent, len(fixes))
	}
	for k := range fixes {
		if _, ok := s.fixes[k]; !ok {
			t.Fatalf("at %s: fix %s not stored", now.In(ict), k)
		}
	}
	for i := 1; i < len(s.written); i++ {
		if s.written[i].Time.Before(s.written[i-1].Time) {
			t.Fatalf("fix %d (%s) written after a later one (%s)", i, s.written[i].Time, s.written[i-1].Time)
		}
	}
	if len(s.incidents) != len(incidents) || s.incSent != len(incidents) {
		t.Fatalf("at %s: %d incidents stored (%d sent), want %d", now.In(ict), len(s.incidents), s.incSent, len(incidents))
	}
	for id := range incidents {
		if _, ok := s.incidents[id]; !ok {
			t.Fatalf("at %s: incident %s not stored", now.In(ict), id)
		}
	}
	if !s.through.Equal(now) {
		t.Fatalf("played until %s, want %s", s.through, now)
	}
}

// TestStepWritesWhatCameDue: a demo loaded at 23:10 plays on as the clock moves in small and
// large steps: after each Step the store holds exactly the fixes whose time has come, written in
// time order, each sent once; a Step at the same moment, and a new Player (a restart) at that
// moment, send nothing.
func TestStepWritesWhatCameDue(t *testing.T) {
	ctx := context.Background()
	loaded := time.Date(2026, 12, 7, 23, 10, 0, 0, ict)
	s := newFakeStore(t, 1, loaded)
	c := &clock{t: loaded}
	p := newPlayer(t, s, c)
	steps := []time.Duration{0, time.Second, 7 * time.Second, 7 * time.Second, 30 * time.Second}
	for range 40 {
		steps = append(steps, 13*time.Second)
	}
	for range 10 {
		steps = append(steps, 17*time.Minute)
	}
	for _, step := range steps {
		c.t = c.t.Add(step)
		if _, err := p.Step(ctx); err != nil {
			t.Fatal(err)
		}
		check(t, s, loaded, c.t)
	}
	if len(s.fixes) < 500 {
		t.Fatalf("only %d fixes by %s: the night's patrol did not play", len(s.fixes), c.t.In(ict))
	}
	sent := s.sent
	if _, err := p.Step(ctx); err != nil || s.sent != sent {
		t.Fatalf("a second Step at the same moment sent %d fixes (err %v)", s.sent-sent, err)
	}
	restarted := newPlayer(t, s, c)
	if res, err := restarted.Step(ctx); err != nil || s.sent != sent || res.Fixes != 0 {
		t.Fatalf("a restart at the same moment sent %d fixes (err %v)", s.sent-sent, err)
	}
}

// TestStepAcrossDays: the clock runs over day changes at awkward moments — loaded at 00:30 on
// the 1st of a month (last night's shifts go on), over 28 February into 29 February 2028 and 1
// March, and over a night from 31 January into 1 February — and every night gets its patrols and
// every day its incidents, each once.
func TestStepAcrossDays(t *testing.T) {
	cases := []struct {
		name         string
		loaded, till time.Time
	}{
		{"00:30 on the 1st", time.Date(2026, 12, 1, 0, 30, 0, 0, ict), time.Date(2026, 12, 2, 6, 0, 0, 0, ict)},
		{"leap day", time.Date(2028, 2, 28, 18, 0, 0, 0, ict), time.Date(2028, 3, 2, 6, 0, 0, 0, ict)},
		{"month end night", time.Date(2027, 1, 31, 12, 0, 0, 0, ict), time.Date(2027, 2, 1, 12, 0, 0, 0, ict)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s := newFakeStore(t, 2, tc.loaded)
			c := &clock{t: tc.loaded}
			p := newPlayer(t, s, c)
			nights := map[string]int{}
			for c.t.Before(tc.till) {
				c.t = c.t.Add(47 * time.Minute)
				if _, err := p.Step(ctx); err != nil {
					t.Fatal(err)
				}
				check(t, s, tc.loaded, c.t)
			}
			for _, f := range s.fixes {
				nights[f.Time.In(ict).Add(-12*time.Hour).Format(time.DateOnly)]++
			}
			// Every night wholly inside the play has its patrols (Live never leaves one empty).
			for d := tc.loaded.In(ict).AddDate(0, 0, -1); d.Before(tc.till); d = d.AddDate(0, 0, 1) {
				y, m, dd := d.Date()
				start, end := time.Date(y, m, dd, 22, 0, 0, 0, ict), time.Date(y, m, dd+1, 5, 0, 0, 0, ict)
				night := d.Format(time.DateOnly)
				if !start.Before(tc.loaded) && !end.After(tc.till) && nights[night] == 0 {
					t.Errorf("the night of %s holds %d fixes, none played", night, len(liveDay(t, 2, d).Fixes))
				}
			}
			t.Logf("nights played: %v; incidents: %d", nights, len(s.incidents))
		})
	}
}

// TestStepCatchUpIsBounded: a ward last played 30 days ago plays only the last MaxCatchUp, and
// says what it dropped.
func TestStepCatchUpIsBounded(t *testing.T) {
	now := time.Date(2027, 3, 10, 23, 45, 0, 0, ict)
	long := now.AddDate(0, 0, -30)
	s := newFakeStore(t, 3, long)
	p := newPlayer(t, s, &clock{t: now})
	res, err := p.Step(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Dropped != now.Sub(long)-live.MaxCatchUp {
		t.Errorf("dropped %s, want %s", res.Dropped, now.Sub(long)-live.MaxCatchUp)
	}
	check(t, s, now.Add(-live.MaxCatchUp), now)
}

// TestStepPlaysOnlyTheDemo: no ward loaded, or one loaded without a played-until moment, plays
// nothing; fixes of a demo device that is inactive or belongs to another unit are skipped.
func TestStepPlaysOnlyTheDemo(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 12, 7, 22, 0, 0, 0, ict)
	for _, s := range []*fakeStore{
		func() *fakeStore { s := newFakeStore(t, 1, at); s.loaded = false; return s }(),
		func() *fakeStore { s := newFakeStore(t, 1, at); s.through = time.Time{}; return s }(),
	} {
		p := newPlayer(t, s, &clock{t: at.Add(7 * time.Hour)})
		if _, err := p.Step(ctx); !errors.Is(err, live.ErrNotPlayed) || s.sent != 0 || s.incSent != 0 {
			t.Errorf("Step = %v, sent %d fixes and %d incidents; want ErrNotPlayed and nothing", err, s.sent, s.incSent)
		}
	}
	s := newFakeStore(t, 1, at)
	first := true
	for id, d := range s.devices {
		if first {
			d.Active = false
		} else {
			d.UnitID = 99 // a real ward's phone with the demo's id
		}
		s.devices[id], first = d, false
	}
	p := newPlayer(t, s, &clock{t: at.Add(7 * time.Hour)})
	res, err := p.Step(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.sent != 0 || res.Skipped == 0 {
		t.Errorf("sent %d fixes, skipped %d; want none sent and the night's fixes skipped", s.sent, res.Skipped)
	}
}

// TestTwoPlayersStoreOnce: two servers playing the same database, one's clock lagging behind
// the other's, store every fix once and never move the played-until moment back; and a write
// whose played-until moment was lost (a crash between the two) is sent again and answered as
// duplicates, stored once.
func TestTwoPlayersStoreOnce(t *testing.T) {
	ctx := context.Background()
	loaded := time.Date(2026, 12, 7, 22, 30, 0, 0, ict)
	s := newFakeStore(t, 1, loaded)
	ahead, behind := &clock{t: loaded}, &clock{t: loaded}
	pa, pb := newPlayer(t, s, ahead), newPlayer(t, s, behind)
	for range 30 {
		ahead.t = ahead.t.Add(5 * time.Minute)
		behind.t = ahead.t.Add(-2 * time.Minute)
		if _, err := pa.Step(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := pb.Step(ctx); err != nil {
			t.Fatal(err)
		}
		if !s.through.Equal(ahead.t) {
			t.Fatalf("played until %s, want %s", s.through, ahead.t)
		}
	}
	check(t, s, loaded, ahead.t)
	s.through = loaded // the advances were lost
	res, err := pa.Step(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fixes, _ := due(t, s, loaded, ahead.t)
	if res.Fixes != 0 || res.Duplicates != len(fixes) || len(s.written) != len(fixes) {
		t.Fatalf("replay after a lost advance: %d stored, %d duplicates; want 0 and %d", res.Fixes, res.Duplicates, len(fixes))
	}
}
