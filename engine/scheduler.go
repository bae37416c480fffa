package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/storage"
)

// dispatchBatch bounds how many due runs one dispatch looks at.
const dispatchBatch = 256

// scheduler hands due runs to workers. Invariants:
//   - A run is claimed (StartRun: pending → running) before a worker touches
//     it; the claim is a compare-and-set in the store, so a run never has
//     two workers.
//   - At most Workers runs execute at once, and at most an integration's
//     concurrency of that integration's runs.
//   - Runs whose next step would call an Okta bucket that is waiting for
//     its rate-limit reset (per account) are left in the queue until the
//     reset: they would only wait in the client, holding a worker.
type scheduler struct {
	e      *Engine
	kickCh chan struct{}
	sem    chan struct{}

	mu       sync.Mutex
	inflight map[string]int       // integration id → runs executing
	waits    map[string]time.Time // account id + " " + bucket → rate-limit reset
	stopping bool
	runs     sync.WaitGroup
	runCtx   context.Context
	cancel   context.CancelFunc
}

func newScheduler(e *Engine) *scheduler {
	ctx, cancel := context.WithCancel(context.Background())
	return &scheduler{
		e: e, kickCh: make(chan struct{}, 1), sem: make(chan struct{}, e.opts.Workers),
		inflight: map[string]int{}, waits: map[string]time.Time{}, runCtx: ctx, cancel: cancel,
	}
}

// kick asks for a dispatch now (new runs, a run finished, a switch).
func (s *scheduler) kick() {
	select {
	case s.kickCh <- struct{}{}:
	default:
	}
}

func (s *scheduler) loop(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.kickCh:
		case <-timer.C:
		}
		wake := s.dispatch()
		timer.Reset(wake)
	}
}

// dispatch starts every due run it can and returns how long to sleep before
// looking again.
func (s *scheduler) dispatch() time.Duration {
	const idle = time.Minute
	now := s.e.now()
	due, err := s.e.store.DueRuns(now, dispatchBatch, s.e.opts.Dispatch)
	if err != nil {
		s.e.log.Error("read due runs", "err", err)
		return time.Second
	}
	integrations := map[string]*storage.Integration{}
	wake := idle
	for _, r := range due {
		in, ok := integrations[r.IntegrationID]
		if !ok {
			loaded, err := s.e.store.Integration(r.IntegrationID)
			if errors.Is(err, storage.ErrNotFound) {
				s.abandon(r, "its integration no longer exists")
				continue
			}
			if err != nil { // not the run's fault (a store or key problem): leave it queued
				s.e.log.Error("load the integration of a due run", "run", r.ID, "err", err)
				wake = min(wake, 10*time.Second)
				continue
			}
			in = &loaded
			integrations[r.IntegrationID] = in
		}
		if until, waiting := s.accountWait(r, in, now); waiting {
			wake = min(wake, until.Sub(now))
			continue
		}
		if !s.tryStart(r, in) {
			continue
		}
	}
	// Only a future due time sets the alarm: runs already due but held back
	// (an integration at its concurrency, no free worker, an account
	// waiting for a rate limit) are picked up when a run finishes (kick) or
	// when the hold ends (wake above), not by polling.
	if next, ok, err := s.e.store.NextDueAfter(now); err == nil && ok {
		wake = min(wake, next.Sub(now))
	}
	return max(wake, 10*time.Millisecond)
}

// tryStart claims r and runs it on a worker, if the limits allow.
func (s *scheduler) tryStart(r storage.Run, in *storage.Integration) bool {
	limit := in.Concurrency
	if limit <= 0 {
		limit = s.e.opts.DefaultConcurrency
	}
	s.mu.Lock()
	if s.stopping || s.inflight[in.ID] >= limit {
		s.mu.Unlock()
		return false
	}
	select {
	case s.sem <- struct{}{}:
	default:
		s.mu.Unlock()
		return false
	}
	s.inflight[in.ID]++
	s.runs.Add(1)
	s.mu.Unlock()

	release := func() {
		s.mu.Lock()
		s.inflight[in.ID]--
		s.mu.Unlock()
		<-s.sem
		s.runs.Done()
		s.kick()
	}
	claimed, err := s.e.store.StartRun(r.ID)
	if err != nil {
		if !errors.Is(err, storage.ErrBadState) {
			s.e.log.Error("claim run", "run", r.ID, "err", err)
		}
		release()
		return false
	}
	s.e.publishRun(claimed)
	go func() {
		defer release()
		s.e.execute(s.runCtx, claimed, *in)
	}()
	return true
}

// accountWait reports whether r's next step would call an Okta bucket of
// its account that is waiting for a rate-limit reset, and until when.
func (s *scheduler) accountWait(r storage.Run, in *storage.Integration, now time.Time) (time.Time, bool) {
	step, ok := nextStep(r, *in)
	if !ok {
		return time.Time{}, false
	}
	act, ok := action.Lookup(step.Action)
	if !ok {
		return time.Time{}, false
	}
	a, err := s.e.store.Account(step.Account)
	if err != nil {
		return time.Time{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var latest time.Time
	for _, b := range act.Buckets() {
		k := a.ID + " " + b
		until, ok := s.waits[k]
		if !ok {
			continue
		}
		if !now.Before(until) {
			delete(s.waits, k)
			continue
		}
		if until.After(latest) {
			latest = until
		}
	}
	return latest, !latest.IsZero()
}

// holdBucket makes runs that would call bucket on an account wait until
// its rate limit resets; other buckets of the account go on.
func (s *scheduler) holdBucket(accountID, bucket string, until time.Time) {
	k := accountID + " " + bucket
	s.mu.Lock()
	if until.After(s.waits[k]) {
		s.waits[k] = until
	}
	s.mu.Unlock()
}

// abandon cancels a pending run that can no longer run.
func (s *scheduler) abandon(r storage.Run, why string) {
	if cancelled, err := s.e.store.CancelRun(r.ID, why); err == nil {
		s.e.publishRun(cancelled)
	}
}

// drain stops handing out runs and waits for running ones until ctx ends;
// then it cancels them (each puts its run back in the queue) and waits for
// them to checkpoint.
func (s *scheduler) drain(ctx context.Context) {
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.runs.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-ctx.Done():
	}
	s.cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
}

func (s *scheduler) isStopping() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopping
}

// nextStep is the first step of in that r has not finished.
func nextStep(r storage.Run, in storage.Integration) (storage.Step, bool) {
	for _, st := range in.Steps {
		if res, ok := r.Step(st.ID); !ok || !res.Succeeded {
			return st, true
		}
	}
	return storage.Step{}, false
}
