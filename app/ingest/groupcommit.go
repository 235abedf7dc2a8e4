package ingest

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
)

// groupCommit writes the fixes of concurrent single-fix requests together. A request queues its
// fix and waits; a writer takes the first queued fix and everything queued behind it (up to
// max); while other groups are being written it also waits, until window after the first fix
// was queued, for the requests their answers set off, as PostgreSQL's commit_delay waits only
// when other transactions are active. It writes the group in one transaction with StoreFixes and
// then answers every request with its own result. Only one writer gathers at a time while up to
// writers others write, so under load the groups grow by themselves and a lone fix is written
// at once. The queue is bounded: a fix that finds it full is refused at once (ErrBusy).
// Writers start on demand and stop after idle, so an idle server holds no goroutines for this.
type groupCommit struct {
	write    func(context.Context, []patrol.Fix) ([]patrol.StoreOutcome, error)
	queue    chan *pendingFix
	gather   chan struct{} // holds a token while one writer gathers a group
	window   time.Duration
	max      int
	writers  int32
	idle     time.Duration
	timeout  time.Duration
	log      *slog.Logger
	observe  func(fixes int) // called after each group is written; may be nil
	running  atomic.Int32    // writers started
	flushing atomic.Int32    // writers writing a group
}

type pendingFix struct {
	fix    patrol.Fix
	queued time.Time
	done   chan fixOutcome // capacity 1, so a writer never blocks on a request that gave up
}

type fixOutcome struct {
	stored patrol.StoreOutcome
	err    error
}

// submit queues f for the next group commit and waits until it is committed (FixStored), found
// to be a duplicate (FixDuplicate) or off duty and not stored (FixOffDuty), or failed. When ctx
// ends first the fix may still be written later; a client that retries then gets a duplicate.
func (g *groupCommit) submit(ctx context.Context, f patrol.Fix) (patrol.StoreOutcome, error) {
	p := &pendingFix{fix: f, queued: time.Now(), done: make(chan fixOutcome, 1)}
	select {
	case g.queue <- p:
	default:
		return patrol.FixDuplicate, ErrBusy
	}
	g.startWriter()
	select {
	case r := <-p.done:
		return r.stored, r.err
	case <-ctx.Done():
		return patrol.FixDuplicate, ctx.Err()
	}
}

// startWriter starts a writer unless writers are already running.
func (g *groupCommit) startWriter() {
	for {
		n := g.running.Load()
		if n >= g.writers {
			return
		}
		if g.running.CompareAndSwap(n, n+1) {
			go g.run()
			return
		}
	}
}

// run is one writer: gather a group, write it, repeat; stop after idle without work.
func (g *groupCommit) run() {
	idle := time.NewTimer(g.idle)
	defer idle.Stop()
	for {
		group := g.next(idle)
		if group == nil {
			g.running.Add(-1)
			// A fix queued while this writer was deciding to stop would otherwise wait for the
			// next request to start a writer: take it on again if there is room.
			if len(g.queue) == 0 {
				return
			}
			if n := g.running.Load(); n >= g.writers || !g.running.CompareAndSwap(n, n+1) {
				return
			}
			idle.Reset(g.idle)
			continue
		}
		g.flush(group)
		idle.Reset(g.idle)
	}
}

// next gathers one group, or returns nil when idle fires first.
func (g *groupCommit) next(idle *time.Timer) []*pendingFix {
	select {
	case g.gather <- struct{}{}:
	case <-idle.C:
		return nil
	}
	defer func() { <-g.gather }()
	var first *pendingFix
	select {
	case first = <-g.queue:
	case <-idle.C:
		return nil
	}
	group := []*pendingFix{first}
	if g.flushing.Load() == 0 {
		// No other group is being written, so no burst of answers (and of the next requests
		// they trigger) is about to arrive: take what is queued and write it at once.
		return g.drain(group)
	}
	wait := time.NewTimer(time.Until(first.queued.Add(g.window)))
	defer wait.Stop()
	for len(group) < g.max {
		select {
		case p := <-g.queue:
			group = append(group, p)
		case <-wait.C:
			return g.drain(group)
		}
	}
	return group
}

// drain adds what is already queued to group, up to max.
func (g *groupCommit) drain(group []*pendingFix) []*pendingFix {
	for len(group) < g.max {
		select {
		case p := <-g.queue:
			group = append(group, p)
		default:
			return group
		}
	}
	return group
}

// flush writes one group and answers its requests. When the group fails for a reason other than
// the database being unavailable, each fix is written alone, so that one bad fix cannot fail the
// fixes of other devices that happened to share its transaction.
func (g *groupCommit) flush(group []*pendingFix) {
	g.flushing.Add(1)
	defer g.flushing.Add(-1)
	ctx, cancel := context.WithTimeout(context.Background(), g.timeout)
	defer cancel()
	fixes := make([]patrol.Fix, len(group))
	for i, p := range group {
		fixes[i] = p.fix
	}
	stored, err := g.write(ctx, fixes)
	if err == nil {
		if g.observe != nil {
			g.observe(len(group))
		}
		for i, p := range group {
			p.done <- fixOutcome{stored: stored[i]}
		}
		return
	}
	if len(group) == 1 || errors.Is(err, patrol.ErrUnavailable) {
		for _, p := range group {
			p.done <- fixOutcome{err: err}
		}
		return
	}
	g.log.Warn("group commit failed; writing its fixes one by one", "fixes", len(group), "err", err)
	for _, p := range group {
		one, err := g.write(ctx, []patrol.Fix{p.fix})
		if err != nil {
			p.done <- fixOutcome{err: err}
			continue
		}
		p.done <- fixOutcome{stored: one[0]}
	}
}
