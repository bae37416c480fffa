package engine

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/storage"
)

// dispatchBatch bounds how many due runs a filtered dispatch (a one-shot
// CLI command's) looks at.
const dispatchBatch = 256

// scheduler hands due runs to workers. Invariants:
//   - A run is claimed (StartRun: pending → running) before a worker touches
//     it; the claim is a compare-and-set in the store, so a run never has
//     two workers.
//   - At most Workers runs execute at once; at most an integration's own
//     concurrency of its runs, when it sets one; and about its account's
//     runs in flight (runsInFlight: sized from the account's rate limit and
//     round trip, so that the Okta client's pacer, not a constant here,
//     decides the pace; the client's own cap on requests is the hard one).
//   - Runs whose next step would call an Okta bucket that is waiting for
//     its rate-limit reset (per account) are left in the queue until the
//     reset: they would only wait in the client, holding a worker.
//   - Dispatch reads the queue only when a worker is free, and then only the
//     due index (storage.DueByIntegration): an integration with no room is
//     skipped without reading its runs, so a backlog costs nothing per
//     event. A run that finishes frees a worker and asks for a dispatch.
type scheduler struct {
	e       *Engine
	kickCh  chan struct{}
	sem     chan struct{}
	offOkta ewma // a run's time off Okta, claim included

	mu       sync.Mutex
	inflight map[string]int       // integration id → runs executing
	known    map[string]stepPlan  // integration id → where its first step goes, as last seen
	own      map[string]int       // integration id → its own concurrency (0: none), as last seen
	held     map[string]bool      // integrations the last dispatch found at their concurrency
	accounts map[string]int       // account id → runs executing a step on it
	waits    map[string]time.Time // account id + " " + bucket → rate-limit reset
	stopping bool
	runs     sync.WaitGroup
	runCtx   context.Context
	cancel   context.CancelFunc

	onStart, onFinish func() // tests: a run starts executing, ends
}

func newScheduler(e *Engine) *scheduler {
	ctx, cancel := context.WithCancel(context.Background())
	return &scheduler{
		e: e, kickCh: make(chan struct{}, 1), sem: make(chan struct{}, e.opts.Workers),
		inflight: map[string]int{}, known: map[string]stepPlan{}, own: map[string]int{}, accounts: map[string]int{},
		waits: map[string]time.Time{}, runCtx: ctx, cancel: cancel,
	}
}

// kickFor asks for a dispatch for new runs of an integration, unless the
// last dispatch found it at its concurrency: then its runs wait for one of
// its runs (or its account's) to finish, which kicks anyway, and a backlog
// costs nothing per event.
func (s *scheduler) kickFor(integrationID string) {
	s.mu.Lock()
	held := s.held[integrationID]
	s.mu.Unlock()
	if !held {
		s.kick()
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

// stepPlan is where a due run's next step goes: its action and the Okta
// account it calls (Account.ID "" when it calls none), with the account's
// runs-in-flight limit.
type stepPlan struct {
	act     action.Action
	account storage.Account
	limit   int
}

// candidate is a due run a dispatch may start; run is set when it was
// read whole (a filtered dispatch), so its next step is known before the claim.
type candidate struct {
	id            storage.RunID
	integrationID string
	run           *storage.Run
}

// dispatch starts every due run it can and returns how long to sleep before
// looking again.
func (s *scheduler) dispatch() time.Duration {
	const idle = time.Minute
	if s.full() { // a run that finishes kicks
		return idle
	}
	now := s.e.now()
	due, err := s.candidates(now)
	if err != nil {
		s.e.log.Error("read due runs", "err", err)
		return time.Second
	}
	integrations := map[string]*storage.Integration{}
	plans := map[string]stepPlan{} // integration id + step id → plan, once per dispatch
	limits := map[string]int{}     // account id + " " + action id → runs in flight, once per dispatch
	held := map[string]bool{}      // integrations at their own or their account's concurrency
	wake := idle
	for _, c := range due {
		if held[c.integrationID] {
			continue
		}
		in, ok := integrations[c.integrationID]
		if !ok {
			loaded, err := s.e.store.Integration(c.integrationID)
			if errors.Is(err, storage.ErrNotFound) {
				s.abandon(c.id, "its integration no longer exists")
				continue
			}
			if err != nil { // not the run's fault (a store or key problem): leave it queued
				s.e.log.Error("load the integration of a due run", "run", c.id, "err", err)
				wake = min(wake, 10*time.Second)
				continue
			}
			in = &loaded
			integrations[c.integrationID] = in
			s.learn(in, plans, limits)
		}
		// The run's next step when it was read whole; else the first step,
		// where a queued run starts (checked again once claimed).
		var plan stepPlan
		if c.run != nil {
			plan = s.planOf(*c.run, in, plans, limits)
		} else if len(in.Steps) > 0 {
			plan = s.planOfStep(in, in.Steps[0], plans, limits)
		}
		if until, waiting := s.accountWait(plan, now); waiting {
			wake = min(wake, until.Sub(now))
			continue
		}
		switch s.tryStart(c.id, in, plan, plans, limits) {
		case atLimit:
			held[in.ID] = true
		case storeRefused: // look again soon rather than at the next event
			wake = min(wake, storeRetryMax)
		}
		if s.full() {
			break
		}
	}
	s.mu.Lock()
	s.held = held
	// Runs the due index skipped for a rate-limit hold start when it ends.
	for _, until := range s.waits {
		if until.After(now) {
			wake = min(wake, until.Sub(now))
		}
	}
	s.mu.Unlock()
	// Only a future due time sets the alarm: runs already due but held back
	// (an integration or account at its concurrency, no free worker, an
	// account waiting for a rate limit) are picked up when a run finishes
	// (kick) or when the hold ends (wake above), not by polling.
	if next, ok, err := s.e.store.NextDueAfter(now); err == nil && ok {
		wake = min(wake, next.Sub(now))
	}
	return max(wake, 10*time.Millisecond)
}

// candidates are the due runs worth a look: from the due index, as many of
// each integration's oldest as it has room for. A one-shot CLI command's
// filter (Options.Dispatch) reads runs whole instead, its filter applied
// before any limit so its run is found behind any backlog.
func (s *scheduler) candidates(now time.Time) ([]candidate, error) {
	free := cap(s.sem) - len(s.sem)
	if s.e.opts.Dispatch != nil {
		runs, err := s.e.store.DueRuns(now, dispatchBatch, s.e.opts.Dispatch)
		out := make([]candidate, len(runs))
		for i := range runs {
			out[i] = candidate{id: runs[i].ID, integrationID: runs[i].IntegrationID, run: &runs[i]}
		}
		return out, err
	}
	refs, err := s.e.store.DueByIntegration(now, free, s.room)
	out := make([]candidate, len(refs))
	for i, r := range refs {
		out[i] = candidate{id: r.ID, integrationID: r.IntegrationID}
	}
	return out, err
}

// room is how many more runs of an integration could start now, from what
// the scheduler knows in memory (it runs inside the store's read
// transaction and must not call the store): its own concurrency, its first
// step's account's limit, less what runs; an integration not seen yet gets
// the benefit of the doubt (it is checked exactly once loaded).
func (s *scheduler) room(integrationID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := cap(s.sem) - len(s.sem)
	if own := s.own[integrationID]; own > 0 {
		n = min(n, own-s.inflight[integrationID])
	}
	if p, ok := s.known[integrationID]; ok && p.account.ID != "" {
		n = min(n, p.limit-s.accounts[p.account.ID])
		for _, b := range p.act.Buckets() {
			if s.waits[p.account.ID+" "+b].After(s.e.now()) {
				return 0
			}
		}
	}
	return n
}

// learn records what room needs to know of an integration.
func (s *scheduler) learn(in *storage.Integration, plans map[string]stepPlan, limits map[string]int) {
	own := in.Concurrency
	if own <= 0 {
		own = s.e.opts.DefaultConcurrency
	}
	var first stepPlan
	if len(in.Steps) > 0 {
		first = s.planOfStep(in, in.Steps[0], plans, limits)
	}
	s.mu.Lock()
	s.own[in.ID], s.known[in.ID] = own, first
	s.mu.Unlock()
}

// full reports whether every worker is busy.
func (s *scheduler) full() bool { return len(s.sem) == cap(s.sem) }

// planOf finds where r's next step goes.
func (s *scheduler) planOf(r storage.Run, in *storage.Integration, plans map[string]stepPlan, limits map[string]int) stepPlan {
	step, ok := nextStep(r, *in)
	if !ok {
		return stepPlan{}
	}
	return s.planOfStep(in, step, plans, limits)
}

// planOfStep finds where a step of in goes. Runs of one integration at the
// same step go to the same place: plans and limits cache it for one
// dispatch, so a backlog costs one account lookup per integration.
func (s *scheduler) planOfStep(in *storage.Integration, step storage.Step, plans map[string]stepPlan, limits map[string]int) stepPlan {
	key := in.ID + "\x00" + step.ID
	if p, ok := plans[key]; ok {
		return p
	}
	p := s.plan(step, limits)
	plans[key] = p
	return p
}

// plan finds where a step goes; limits caches the account limits of one dispatch.
func (s *scheduler) plan(step storage.Step, limits map[string]int) stepPlan {
	act, ok := action.Lookup(step.Action)
	if !ok || act.Traits().Connector != action.ConnectorOkta {
		return stepPlan{act: act}
	}
	a, err := s.e.store.Account(step.Account)
	if err != nil {
		return stepPlan{act: act}
	}
	key := a.ID + " " + act.ID()
	limit, ok := limits[key]
	if !ok {
		limit = runsInFlight(s.pace(a, act), s.e.opts.MaxRunsPerAccount)
		limits[key] = limit
		s.e.metrics.accountLimit.WithLabelValues(a.Name).Set(float64(limit))
	}
	return stepPlan{act: act, account: a, limit: limit}
}

// pace is what the account's client knows of its rate limit and round
// trip for the buckets act calls (okta.Client.Pace); a run's calls are the
// buckets of act answered so far (all of act's buckets before any answer). A bucket's rate is
// the higher of what it allows now and its sustained rate: a spent budget
// (rate 0 until the reset) must not shrink the runs in flight that will be
// needed when it resets.
func (s *scheduler) pace(a storage.Account, act action.Action) pace {
	p := pace{OffOkta: s.offOkta.value(), Calls: len(act.Buckets()), MaxConcurrent: s.e.opts.OktaConcurrency}
	client, _, err := s.e.clients.get(a.ID)
	if err != nil {
		return p
	}
	info := client.Pace()
	p.RoundTrip, p.MaxConcurrent = info.RoundTrip, min(p.MaxConcurrent, info.MaxConcurrent)
	var rtt time.Duration
	seen, metered := 0, 0
	for _, b := range info.Buckets {
		if !b.Metered || !slices.Contains(act.Buckets(), b.Bucket) {
			continue
		}
		if rate := max(b.Rate, b.Sustained); rate > 0 && (p.Rate == 0 || rate < p.Rate) {
			p.Rate = rate
		}
		if metered++; metered == 1 || b.Burst < p.Burst {
			p.Burst = b.Burst
		}
		if b.RoundTrip > 0 {
			rtt += b.RoundTrip
			seen++
		}
	}
	if seen > 0 {
		// W counts the buckets runs have used so far, not every bucket the
		// action may call: add_user's lookup only comes into play when a
		// login exists.
		p.RoundTrip, p.Calls = rtt/time.Duration(seen), seen
	}
	return p
}

// startResult says what tryStart did.
type startResult int

const (
	started      startResult = iota
	atLimit                  // the integration or its account is at its concurrency
	notNow                   // no free worker, stopping, or another worker claimed it
	storeRefused             // the store refused the claim (a full disk): try again soon
)

// tryStart claims a run and runs it on a worker, if the limits allow.
// plan is where its next step is expected to go; once claimed the run says
// where it really goes (a retried run may be on a later step): its worker
// then counts against that account, and a run whose step would only wait
// for a rate-limit reset goes back to the queue until then.
func (s *scheduler) tryStart(id storage.RunID, in *storage.Integration, plan stepPlan, plans map[string]stepPlan, limits map[string]int) startResult {
	own := in.Concurrency
	if own <= 0 {
		own = s.e.opts.DefaultConcurrency
	}
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return notNow
	}
	if acct := plan.account.ID; (own > 0 && s.inflight[in.ID] >= own) || (acct != "" && s.accounts[acct] >= plan.limit) {
		s.mu.Unlock()
		return atLimit
	}
	select {
	case s.sem <- struct{}{}:
	default:
		s.mu.Unlock()
		return notNow
	}
	s.inflight[in.ID]++
	s.runs.Add(1)
	s.mu.Unlock()

	var acct string // the account the run's worker counts against
	release := func() {
		s.mu.Lock()
		s.inflight[in.ID]--
		if acct != "" {
			s.accounts[acct]--
		}
		s.mu.Unlock()
		<-s.sem
		s.runs.Done()
		s.kick()
	}
	claimBegun := time.Now()
	claimed, err := s.e.runs.StartRun(id)
	claimTook := time.Since(claimBegun)
	if err != nil {
		release()
		if errors.Is(err, storage.ErrBadState) || errors.Is(err, storage.ErrNotFound) {
			return notNow
		}
		var damaged *storage.RecordError
		if errors.As(err, &damaged) { // it left the queue (storage.StartRun); `runs` names it
			s.e.log.Error("a queued run cannot be read; it is skipped", "run", id, "integration", in.ID, "err", err)
			return notNow
		}
		s.e.storeWriteFailed("claim run", err)
		return storeRefused
	}
	s.e.storeWriteWorked()
	actual := s.planOf(claimed, in, plans, limits)
	acct = actual.account.ID
	if acct != "" {
		s.mu.Lock()
		s.accounts[acct]++
		s.mu.Unlock()
	}
	if until, waiting := s.accountWait(actual, s.e.now()); waiting {
		go func() {
			defer release()
			s.e.endAttempt(s.runCtx, claimed, nil, storage.Outcome{State: storage.RunWaiting, Due: until,
				Cause: &storage.StepError{Message: "waiting for the Okta rate limit to reset"}})
		}()
		return notNow
	}
	s.e.publishRun(claimed)
	if s.onStart != nil {
		s.onStart()
	}
	go func() {
		defer release()
		if s.onFinish != nil {
			defer s.onFinish()
		}
		s.e.execute(s.runCtx, claimed, *in, claimTook)
	}()
	return started
}

// accountWait reports whether the planned step would call an Okta bucket
// of its account that is waiting for a rate-limit reset, and until when.
func (s *scheduler) accountWait(plan stepPlan, now time.Time) (time.Time, bool) {
	if plan.account.ID == "" {
		return time.Time{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var latest time.Time
	for _, b := range plan.act.Buckets() {
		k := plan.account.ID + " " + b
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
func (s *scheduler) abandon(id storage.RunID, why string) {
	if cancelled, err := s.e.store.CancelRun(id, why); err == nil {
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
