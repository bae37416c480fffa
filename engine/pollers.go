package engine

import (
	"context"
	"encoding/json"
	"fmt"
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
		if in, ok := want[id]; !ok || !in.UpdatedAt.Equal(l.version) {
			l.cancel()
			<-l.done
			delete(p.running, id)
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

// pollLoop polls one integration's trigger until ctx ends. A failed poll is
// reported and retried at the next interval; the cursor only moves with
// committed events.
func (e *Engine) pollLoop(ctx context.Context, in storage.Integration) {
	spec, _ := trigger.Lookup(in.Trigger.Type)
	cfg := triggerConfig(in.Trigger)
	interval := cfg.PollInterval(spec)
	if e.opts.PollInterval > 0 {
		interval = e.opts.PollInterval
	}
	poller, err := trigger.NewPoller(in.Trigger.Type, cfg, e.triggerDeps())
	if err != nil {
		e.triggerProblem(in.ID, err.Error())
		return
	}
	for {
		if err := e.pollOnce(ctx, in, poller); err != nil && ctx.Err() == nil {
			e.triggerProblem(in.ID, err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// pollOnce fetches new events and commits them with the new cursor in one
// transaction (storage.EnqueueEvents).
func (e *Engine) pollOnce(ctx context.Context, in storage.Integration, poller trigger.Poller) error {
	cursor, err := e.store.Cursor(in.ID)
	if err != nil {
		return err
	}
	batch, err := poller.Poll(ctx, cursor, in.EnabledAt)
	if err != nil {
		return err
	}
	for _, p := range batch.Problems {
		e.triggerProblem(in.ID, p)
	}
	if len(batch.Events) == 0 && batch.Cursor == cursor {
		return nil
	}
	events := make([]storage.NewEvent, 0, len(batch.Events))
	for _, ev := range batch.Events {
		raw, err := json.Marshal(ev.Data)
		if err != nil {
			return fmt.Errorf("encode event: %w", err)
		}
		events = append(events, storage.NewEvent{Payload: raw, DedupeKey: ev.DedupeKey})
	}
	newCursor := batch.Cursor
	res, err := e.store.EnqueueEvents(in.ID, events, storage.EnqueueOptions{Cursor: &newCursor, Baseline: batch.Baseline})
	if err != nil {
		return err
	}
	e.afterEnqueue(res)
	return nil
}

// afterEnqueue reports the runs just queued and wakes the scheduler.
func (e *Engine) afterEnqueue(res []storage.Enqueued) {
	queued := 0
	for _, r := range res {
		if r.Duplicate {
			e.metrics.eventsDuplicate.Inc()
			continue
		}
		queued++
		e.metrics.eventsAccepted.Inc()
		if run, err := e.store.Run(r.RunID); err == nil {
			e.publishRun(run)
		}
	}
	if queued > 0 {
		e.sched.kick()
	}
}

func (e *Engine) triggerProblem(integrationID, msg string) {
	e.log.Warn("trigger problem", "integration", integrationID, "problem", msg)
	e.bus.publish(Event{Kind: TriggerProblem, At: e.now(), IntegrationID: integrationID, Message: msg})
}

func (e *Engine) triggerDeps() trigger.Deps {
	return trigger.Deps{HTTP: e.opts.HTTPClient, OktaLogs: e.logSource, KissflowAccount: e.KissflowClient, KissflowInline: e.kissflowInline, Now: e.now}
}
