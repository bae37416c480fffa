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
	// Workers bounds the runs executing at once across all integrations (default 8).
	Workers int
	// DefaultConcurrency is the runs in flight per integration when the
	// integration does not set its own (default 4).
	DefaultConcurrency int
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
		opts.Workers = 8
	}
	if opts.DefaultConcurrency <= 0 {
		opts.DefaultConcurrency = 4
	}
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
	n, err := e.store.RecoverOrphans()
	if err != nil {
		return fmt.Errorf("recover interrupted runs: %w", err)
	}
	if n > 0 {
		e.log.Info("requeued runs interrupted by a crash", "runs", n)
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
