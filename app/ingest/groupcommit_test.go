package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// testGroupCommit returns a group commit around write with small bounds.
func testGroupCommit(write func(context.Context, []patrol.Fix) ([]patrol.StoreOutcome, error), queue int) *groupCommit {
	return &groupCommit{write: write, queue: make(chan *pendingFix, queue), gather: make(chan struct{}, 1),
		window: time.Millisecond, max: 100, writers: 1, idle: time.Second, timeout: 5 * time.Second, log: discardLogger()}
}

func TestGroupCommitGroupsAndRefusesWhenFull(t *testing.T) {
	started, release := make(chan int, 10), make(chan struct{})
	var mu sync.Mutex
	var sizes []int
	g := testGroupCommit(func(_ context.Context, fixes []patrol.Fix) ([]patrol.StoreOutcome, error) {
		mu.Lock()
		sizes = append(sizes, len(fixes))
		mu.Unlock()
		started <- len(fixes)
		<-release
		out := make([]patrol.StoreOutcome, len(fixes))
		for i, f := range fixes {
			if f.DeviceID != 99 { // device 99's fix counts as a duplicate
				out[i] = patrol.FixStored
			}
		}
		return out, nil
	}, 2)
	type res struct {
		stored patrol.StoreOutcome
		err    error
	}
	results := make(chan res, 4)
	submit := func(device int) {
		stored, err := g.submit(context.Background(), patrol.Fix{DeviceID: device})
		results <- res{stored, err}
	}
	go submit(1)
	<-started // the only writer is busy with the first fix
	go submit(2)
	go submit(99)
	for len(g.queue) < 2 {
		time.Sleep(time.Millisecond)
	}
	if _, err := g.submit(context.Background(), patrol.Fix{DeviceID: 3}); !errors.Is(err, ErrBusy) {
		t.Fatalf("a fix on a full queue: %v, want ErrBusy", err)
	}
	close(release)
	var stored, dup int
	for i := 0; i < 3; i++ {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.stored == patrol.FixStored {
			stored++
		} else {
			dup++
		}
	}
	if stored != 2 || dup != 1 {
		t.Errorf("%d stored, %d duplicates; want 2 and 1", stored, dup)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sizes) != 2 || sizes[0] != 1 || sizes[1] != 2 {
		t.Errorf("groups of %v, want [1 2]: the two queued fixes share one transaction", sizes)
	}
}

func TestGroupCommitIsolatesAFailingFix(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	g := testGroupCommit(func(_ context.Context, fixes []patrol.Fix) ([]patrol.StoreOutcome, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		for _, f := range fixes {
			if f.DeviceID == 13 {
				return nil, errors.New("poison")
			}
		}
		return make([]patrol.StoreOutcome, len(fixes)), nil
	}, 10)
	g.writers = 1
	// Queue all three before a writer runs, so they form one group.
	ps := make([]*pendingFix, 3)
	for i, d := range []int{1, 13, 2} {
		ps[i] = &pendingFix{fix: patrol.Fix{DeviceID: d}, queued: time.Now(), done: make(chan fixOutcome, 1)}
		g.queue <- ps[i]
	}
	idle := time.NewTimer(time.Second)
	group := g.next(idle)
	if len(group) != 3 {
		t.Fatalf("gathered %d fixes, want 3", len(group))
	}
	g.flush(group)
	for i, p := range ps {
		r := <-p.done
		if (r.err != nil) != (i == 1) {
			t.Errorf("fix %d: %v", i, r.err)
		}
	}
	if calls != 4 {
		t.Errorf("%d writes, want 1 group and 3 single ones", calls)
	}
}

func TestGroupCommitUnavailableFailsTheGroup(t *testing.T) {
	g := testGroupCommit(func(context.Context, []patrol.Fix) ([]patrol.StoreOutcome, error) {
		return nil, fmt.Errorf("%w: down", patrol.ErrUnavailable)
	}, 10)
	if _, err := g.submit(context.Background(), patrol.Fix{}); !errors.Is(err, patrol.ErrUnavailable) {
		t.Fatalf("%v, want ErrUnavailable", err)
	}
}

func TestRejectThrottle(t *testing.T) {
	r := newRefusalThrottle(time.Minute, 2)
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	if !r.allow("a", t0) || r.allow("a", t0.Add(time.Second)) || !r.allow("a", t0.Add(time.Minute)) {
		t.Fatal("the same key must be allowed once a minute")
	}
	if !r.allow("b", t0) || !r.allow("c", t0) || len(r.last) > 2 {
		t.Fatalf("other keys: %v", r.last)
	}
}
