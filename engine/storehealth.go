package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/oktaflow/oktaflow/storage"
)

// runWriter is what the scheduler and the runner write run transitions
// through: the store, or in fault tests a store whose writes fail as on a
// full disk.
type runWriter interface {
	StartRun(id storage.RunID) (storage.Run, error)
	SaveStep(id storage.RunID, res storage.StepResult) error
	FinishRun(id storage.RunID, o storage.Outcome) (storage.Run, error)
	FinishRunWithStep(id storage.RunID, step storage.StepResult, o storage.Outcome) (storage.Run, error)
}

// storeHealth says whether the runner's writes are failing (a full disk, a
// file system gone read-only), for /healthz, the metrics and subscribers.
type storeHealth struct {
	mu      sync.Mutex
	failing bool
	since   time.Time
	lastErr string
}

// StoreHealth is the state of the engine's writes to its database.
type StoreHealth struct {
	Failing   bool
	Since     time.Time // when writes started failing
	LastError string
}

// StoreHealth reports whether the engine's run writes are failing.
func (e *Engine) StoreHealth() StoreHealth {
	e.storeHealth.mu.Lock()
	defer e.storeHealth.mu.Unlock()
	return StoreHealth{Failing: e.storeHealth.failing, Since: e.storeHealth.since, LastError: e.storeHealth.lastErr}
}

func (e *Engine) storeWriteFailed(op string, err error) {
	e.metrics.storeWriteFailures.WithLabelValues(op).Inc()
	sh := &e.storeHealth
	sh.mu.Lock()
	first := !sh.failing
	if first {
		sh.failing, sh.since = true, e.now()
	}
	sh.lastErr = err.Error()
	sh.mu.Unlock()
	if first {
		e.log.Error("store writes failing; runs hold their results in memory and retry", "op", op, "err", err)
		e.bus.publish(Event{Kind: StoreHealthChanged, At: e.now(), Message: err.Error()})
	}
}

func (e *Engine) storeWriteWorked() {
	sh := &e.storeHealth
	sh.mu.Lock()
	was := sh.failing
	sh.failing, sh.lastErr = false, ""
	sh.mu.Unlock()
	if was {
		e.log.Info("store writes work again")
		e.bus.publish(Event{Kind: StoreHealthChanged, At: e.now()})
	}
}

// Bounds of the in-process retry of a run write that failed.
const (
	storeRetryFirst = 50 * time.Millisecond
	storeRetryMax   = 5 * time.Second
)

// durably makes a run write that the store refused (a full disk, an I/O
// error) again and again, backing off, until it commits or ctx ends. A step
// that acted on Okta keeps its result in memory meanwhile and the run goes
// on from there once the store is writable: it is not left "running" until
// the next start. An answer that is about the run itself (ErrBadState:
// another transition got there first; ErrNotFound: it was deleted) is not
// a write failure and is returned at once.
func durably[T any](ctx context.Context, e *Engine, op string, write func() (T, error)) (T, error) {
	delay := storeRetryFirst
	for {
		v, err := write()
		if err == nil {
			e.storeWriteWorked()
			return v, nil
		}
		if errors.Is(err, storage.ErrBadState) || errors.Is(err, storage.ErrNotFound) {
			return v, err
		}
		e.storeWriteFailed(op, err)
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(delay):
		}
		delay = min(2*delay, storeRetryMax)
	}
}
