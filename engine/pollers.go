package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
)

// pollers runs one goroutine per integration that is ON with a pull
// trigger. reconcile starts, restarts (after an edit) and stops them to
// match the store.
type pollers struct {
	e       *Engine
	mu      sync.Mutex
	running map[string]*pollLoop // integration id → loop

	soonMu sync.Mutex
	soon   map[string]bool // integrations whose next loop polls at once (rewound)
}

// pollSoon makes the next poll loop of an integration poll at once, as
// after switching ON, although it has a cursor (a rewound one).
func (p *pollers) pollSoon(id string) {
	p.soonMu.Lock()
	defer p.soonMu.Unlock()
	if p.soon == nil {
		p.soon = map[string]bool{}
	}
	p.soon[id] = true
}

func (p *pollers) takeSoon(id string) bool {
	p.soonMu.Lock()
	defer p.soonMu.Unlock()
	soon := p.soon[id]
	delete(p.soon, id)
	return soon
}

type pollLoop struct {
	version time.Time // the integration's UpdatedAt it was started for
	cancel  context.CancelFunc
	done    chan struct{}
}

func newPollers(e *Engine) *pollers { return &pollers{e: e, running: map[string]*pollLoop{}} }

func (p *pollers) reconcile(ctx context.Context) error {
	list, err := p.e.store.Integrations()
	if err != nil {
		return err
	}
	want := map[string]storage.Integration{}
	for _, in := range list {
		if spec, ok := trigger.Lookup(in.Trigger.Type); ok && in.Enabled && !spec.Push {
			want[in.ID] = in
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, l := range p.running {
		in, ok := want[id]
		if !ok || !in.UpdatedAt.Equal(l.version) {
			l.cancel()
			<-l.done
			delete(p.running, id)
		}
		if !ok { // OFF or deleted: its health no longer says anything
			p.e.health.forget(id)
		}
	}
	for id, in := range want {
		if _, ok := p.running[id]; ok {
			continue
		}
		lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		l := &pollLoop{version: in.UpdatedAt, cancel: cancel, done: make(chan struct{})}
		p.running[id] = l
		go func() {
			defer close(l.done)
			p.e.pollLoop(lctx, in)
		}()
	}
	return nil
}

func (p *pollers) stopAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, l := range p.running {
		l.cancel()
		<-l.done
		delete(p.running, id)
	}
}

// pollLoop polls one integration's trigger until ctx ends. A failed poll
// is recorded in the trigger's health (never silent) and the next one
// backs off (pollDelay, honouring Retry-After); the first good poll
// recovers. The cursor only moves with committed events.
//
// Polls are staggered: after the first one, an integration polls at a
// fixed phase of its interval taken from a hash of its id, so a thousand
// integrations spread over the interval instead of firing in the same
// second. The first poll of a trigger without a cursor (just switched ON)
// runs at once: it is the baseline of "from now".
func (e *Engine) pollLoop(ctx context.Context, in storage.Integration) {
	spec, _ := trigger.Lookup(in.Trigger.Type)
	cfg := triggerConfig(in.Trigger)
	interval := cfg.PollInterval(spec)
	if e.opts.PollInterval > 0 {
		interval = e.opts.PollInterval
	}
	deps, hints := e.pollerDeps()
	var poller trigger.Poller
	wait := time.Duration(0)
	if cursor, err := e.store.Cursor(in.ID); err == nil && cursor != "" && !e.polls.takeSoon(in.ID) {
		wait = untilSlot(e.now(), in.ID, interval)
	}
	failures := e.health.resume(in.ID)
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		hints.take() // a hint counts only for the poll that got it
		var err error
		var problems []trigger.PollProblem
		if poller == nil {
			poller, err = e.newPolicedPoller(in.Trigger, cfg, deps) // sources.go: the source policy at every poll
		}
		if err == nil {
			problems, err = e.pollOnce(ctx, in, poller)
		}
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			failures++
			reason, retryAfter := failureReason(err, hints.take())
			wait = pollDelay(interval, failures, retryAfter)
			e.metrics.polls.WithLabelValues(in.ID, "error").Inc()
			e.log.Warn("trigger poll failed", "integration", in.ID, "failures", failures, "reason", reason, "next_in", wait, "err", err)
			e.health.failed(in.ID, err, reason, wait)
			continue
		}
		if failures > 0 {
			e.log.Info("trigger poll recovered", "integration", in.ID, "after_failures", failures)
		}
		failures = 0
		wait = untilSlot(e.now(), in.ID, interval)
		e.metrics.polls.WithLabelValues(in.ID, "ok").Inc()
		e.health.succeeded(in.ID, wait, problems)
	}
}

// untilSlot is the wait until id's next poll slot: the instants t with
// t ≡ phase (mod interval), where the phase comes from a hash of the id.
func untilSlot(now time.Time, id string, interval time.Duration) time.Duration {
	if interval <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(id))
	phase := time.Duration(h.Sum64() % uint64(interval))
	into := time.Duration(now.UnixNano() % int64(interval))
	d := phase - into
	if d <= 0 {
		d += interval
	}
	return d
}

// pollOnce fetches new events and commits them with the new cursor in one
// transaction (storage.EnqueueEvents). It returns what the poll had to
// skip or wait for; a poll that fails returns none (its cursor did not
// move: the next poll finds them again).
func (e *Engine) pollOnce(ctx context.Context, in storage.Integration, poller trigger.Poller) ([]trigger.PollProblem, error) {
	cursor, err := e.store.Cursor(in.ID)
	if err != nil {
		return nil, err
	}
	batch, err := poller.Poll(ctx, cursor, in.EnabledAt)
	if err != nil {
		return nil, err
	}
	if len(batch.Events) == 0 && batch.Cursor == cursor {
		return batch.Problems, nil
	}
	events := make([]storage.NewEvent, 0, len(batch.Events))
	for _, ev := range batch.Events {
		raw, err := json.Marshal(ev.Data)
		if err != nil {
			return nil, fmt.Errorf("encode event: %w", err)
		}
		events = append(events, storage.NewEvent{Payload: raw, DedupeKey: ev.DedupeKey})
	}
	newCursor := batch.Cursor
	res, err := e.store.EnqueueEvents(in.ID, events, storage.EnqueueOptions{Cursor: &newCursor, Baseline: batch.Baseline})
	if err != nil {
		return nil, err
	}
	e.afterEnqueueFor(in.ID, res)
	return batch.Problems, nil
}

// afterEnqueue reports the runs just queued and wakes the scheduler.
func (e *Engine) afterEnqueue(res []storage.Enqueued) {
	if e.reportQueued(res) > 0 {
		e.sched.kick()
	}
}

// afterEnqueueFor is afterEnqueue for runs of one integration: the
// scheduler is not woken while that integration is at its concurrency.
func (e *Engine) afterEnqueueFor(integrationID string, res []storage.Enqueued) {
	if e.reportQueued(res) > 0 {
		e.sched.kickFor(integrationID)
	}
}

// reportQueued counts the new runs in the metrics and tells subscribers
// (reading each run back only when someone listens).
func (e *Engine) reportQueued(res []storage.Enqueued) int {
	queued := 0
	listening := e.bus.subscribers() > 0
	for _, r := range res {
		if r.Duplicate {
			e.metrics.eventsDuplicate.Inc()
			continue
		}
		queued++
		e.metrics.eventsAccepted.Inc()
		if !listening {
			e.metrics.runTransitions.WithLabelValues(string(storage.RunQueued)).Inc()
			continue
		}
		if run, err := e.store.Run(r.RunID); err == nil {
			e.publishRun(run)
		}
	}
	return queued
}

func (e *Engine) triggerDeps() trigger.Deps {
	return trigger.Deps{HTTP: e.opts.HTTPClient, OktaLogs: e.logSource, AllowPrivate: e.opts.AllowPrivateAddresses,
		KissflowAccount: e.KissflowClient, KissflowInline: e.kissflowInline, Now: e.now}
}

// pollerDeps are a poll loop's dependencies: its HTTP client shares the
// engine's settings and records the Retry-After of the answers it gets.
// The address policy is applied beneath the recorder, at connect time, so
// wrapping the transport never weakens it (the trigger adds its own check
// by name on top).
func (e *Engine) pollerDeps() (trigger.Deps, *retryHints) {
	d := e.triggerDeps()
	policed := trigger.PolicyClient(d.HTTP, d.AllowPrivate)
	hints := newRetryHints(policed.Transport, e.now)
	policed.Transport = hints
	d.HTTP = policed
	return d, hints
}
