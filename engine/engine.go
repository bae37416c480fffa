package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/oktaflow/oktaflow/engine/kissflow"
	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/storage"
)

// Options configure an Engine. Only Store is required.
type Options struct {
	Store  *storage.Store
	Logger *slog.Logger // nil: discard
	// Workers bounds the runs executing at once across all integrations
	// (default 256). It is a bound on goroutines, not the pace: the runs in
	// flight per Okta account follow the account's rate limit.
	Workers int
	// DefaultConcurrency, when set, caps the runs in flight of each
	// integration that does not set its own concurrency (default: no cap
	// beyond its account's).
	DefaultConcurrency int
	// OktaConcurrency is the concurrent requests allowed per Okta account
	// (default DefaultOktaConcurrency); it also caps the runs in flight.
	OktaConcurrency int
	// MaxRunsPerAccount is a ceiling on the runs in flight per Okta account
	// whatever its rate limit allows (default 64).
	MaxRunsPerAccount int
	// HTTPClient is used by the kissflow and http_poll triggers.
	HTTPClient *http.Client
	// OktaOptions are added to every Okta client (tests shorten backoffs).
	OktaOptions []okta.Option
	// KissflowOptions are added to every Kissflow client (tests shorten
	// backoffs); KissflowSharePerMinute is oktaflow's share of each Kissflow
	// account's 400 calls a minute (0: kissflow.DefaultSharePerMinute).
	KissflowOptions        []kissflow.Option
	KissflowSharePerMinute int
	// Retention is how long finished runs are kept (default storage.DefaultRetention).
	Retention time.Duration
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// PollInterval, when set, replaces every trigger's own interval (tests).
	PollInterval time.Duration
	// Dispatch, when set, limits the runs the scheduler starts: a one-shot
	// CLI command runs only the run it queued, not the rest of the queue.
	Dispatch func(storage.RunID) bool
	// NoTriggers keeps trigger pollers off: a one-shot CLI command runs the
	// run it queued without polling every integration's trigger.
	NoTriggers bool
	// FeedsDir is the folder CSV trigger paths must sit in (default: a
	// "feeds" folder beside the database); see sources.go.
	FeedsDir string
	// AllowPrivateAddresses lets http_poll triggers reach loopback,
	// link-local and private addresses (refused by default).
	AllowPrivateAddresses bool
}

// Engine runs integrations. Create it with New, then Start it; Stop it
// before closing the store.
type Engine struct {
	store   *storage.Store
	log     *slog.Logger
	opts    Options
	bus     *bus
	metrics *metrics
	now     func() time.Time

	clients   *clientCache
	kissflow  *kissflowClients
	sched     *scheduler
	polls     *pollers
	sandboxes *sandboxSet
	health    *healthBook
	// runs is where the runner writes run transitions (the store; a seam
	// for fault tests).
	runs        runWriter
	storeHealth storeHealth

	mu       sync.Mutex
	started  bool
	listener *http.Server
	conns    *connLimiter
	listen   ListenState
	stop     context.CancelFunc
	wg       sync.WaitGroup
}

// New builds an engine over an open store.
func New(opts Options) (*Engine, error) {
	if opts.Store == nil {
		return nil, errors.New("engine: a store is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Workers <= 0 {
		opts.Workers = 256
	}
	if opts.OktaConcurrency <= 0 {
		opts.OktaConcurrency = DefaultOktaConcurrency
	}
	if opts.MaxRunsPerAccount <= 0 {
		opts.MaxRunsPerAccount = 64
	}
	// The client's own cap on requests in flight must not be below the runs
	// the scheduler puts in flight; options given by the caller come after.
	opts.OktaOptions = append([]okta.Option{okta.WithMaxConcurrency(opts.OktaConcurrency)}, opts.OktaOptions...)
	if opts.Retention <= 0 {
		opts.Retention = storage.DefaultRetention
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	e := &Engine{store: opts.Store, log: opts.Logger, opts: opts, bus: newBus(), metrics: newMetrics(), now: opts.Now}
	e.clients = newClientCache(e)
	e.kissflow = newKissflowClients(e)
	e.sched = newScheduler(e)
	e.polls = newPollers(e)
	e.sandboxes = newSandboxSet()
	e.health = newHealthBook(e)
	e.runs = opts.Store
	return e, nil
}

// Wake asks the scheduler to look at the queue now (after its Dispatch
// filter changed, say).
func (e *Engine) Wake() { e.sched.kick() }

// Store is the engine's store (the CLI reads lists from it directly).
func (e *Engine) Store() *storage.Store { return e.store }

// Subscribe delivers engine events until ctx ends. It never blocks the
// engine: a subscriber that falls behind gets a Lagged event and should
// reload what it shows.
func (e *Engine) Subscribe(ctx context.Context) <-chan Event { return e.bus.Subscribe(ctx) }

// Start recovers runs a crash left running, starts the sandbox orgs (see
// StartSandboxes; a sandbox that fails is logged, not fatal), then starts the
// scheduler, the trigger pollers of every integration that is ON, and
// housekeeping.
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started {
		return errors.New("engine: already started")
	}
	if err := e.recoverInterrupted(); err != nil {
		return err
	}
	_ = e.StartSandboxes(ctx) // each problem is logged; the other sandboxes and the engine still run
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e.stop = cancel
	e.started = true
	e.wg.Add(2)
	go func() { defer e.wg.Done(); e.sched.loop(ctx) }()
	go func() { defer e.wg.Done(); e.housekeeping(ctx) }()
	if e.opts.NoTriggers {
		return nil
	}
	return e.polls.reconcile(ctx)
}

// recoverInterrupted deals with the runs a crash left running (see
// storage.RecoverInterrupted): most go back to the queue; a poison run,
// cut off on the same step crash after crash, is failed and said so at
// ERROR, so that one bad run cannot crash-loop the service.
func (e *Engine) recoverInterrupted() error {
	rec, err := e.store.RecoverInterrupted()
	if err != nil {
		return fmt.Errorf("recover interrupted runs: %w", err)
	}
	if n := len(rec.Requeued); n > 0 {
		e.log.Info("requeued runs interrupted by a crash", "runs", n)
	}
	if n := len(rec.Cancelled); n > 0 {
		e.log.Info("cancelled interrupted runs of integrations that are OFF", "runs", n)
	}
	for _, id := range rec.Failed {
		e.metrics.poisonRuns.Inc()
		r, err := e.store.Run(id)
		if err != nil {
			continue
		}
		msg := ""
		if r.Error != nil {
			msg = r.Error.Message
		}
		e.log.Error("failed a run that crashed the process again and again", "run", id, "integration", r.IntegrationID, "why", msg)
		e.publishRun(r)
	}
	return nil
}

// Stop shuts down in order: the HTTP listener stops accepting, pollers
// stop, the scheduler stops handing out runs, and running steps get until
// ctx's deadline to finish; a step cut off then is put back in the queue
// (its attempt given back), so nothing waits for a recovery at the next start.
// Last, the sandbox orgs are shut down and saved, also when the engine was
// never started (a one-shot CLI command that used a sandbox).
func (e *Engine) Stop(ctx context.Context) error {
	e.mu.Lock()
	srv, cancel, started := e.listener, e.stop, e.started
	e.started = false
	e.mu.Unlock()
	var errs []error
	if srv != nil {
		errs = append(errs, srv.Shutdown(ctx))
	}
	if !started {
		errs = append(errs, e.stopSandboxes(ctx))
		return errors.Join(errs...)
	}
	e.polls.stopAll()
	e.sched.drain(ctx)
	cancel()
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("engine: stopped before every run finished: %w", ctx.Err()))
	}
	errs = append(errs, e.stopSandboxes(ctx))
	return errors.Join(errs...)
}

// housekeeping prunes finished runs past the retention once an hour.
func (e *Engine) housekeeping(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := e.store.Prune(e.now().Add(-e.opts.Retention)); err != nil {
			e.log.Error("prune finished runs", "err", err)
		} else if n > 0 {
			e.log.Info("pruned finished runs", "runs", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// publishRun tells subscribers about a run's new state.
func (e *Engine) publishRun(r storage.Run) {
	e.metrics.runChanged(r)
	e.bus.publish(Event{Kind: RunChanged, At: e.now(), Run: &r, IntegrationID: r.IntegrationID})
}
