package storage

import (
	"errors"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// Group commit. Every write of the store goes through one writer goroutine:
//   - when it is idle, a request is committed at once (no timer, no added
//     latency for a lone sender);
//   - while a commit is in flight, what arrives queues, and the next commit
//     takes the whole queue (up to MaxEventsPerCommit events and
//     MaxBytesPerCommit bytes) into one transaction, so concurrent senders
//     share one fsync;
//   - what arrives while a transaction is still open (its requests running,
//     before its commit) joins it, within the same bounds: the senders a
//     commit released come back while the next transaction runs, and share
//     its fsync instead of waiting for one of their own (without this, N
//     busy senders settle into two cohorts of N/2 taking turns);
//   - each caller returns only after the transaction holding its request has
//     been committed and synced;
//   - if a group fails (a request returned an error, panicked, or the commit
//     did), every request of the group is run again alone, so that only the
//     failing one fails. Request functions must therefore be safe to run
//     more than once: they read what they need from the transaction and set
//     their outputs afresh each time.
//
// Requests run in arrival order, each seeing the writes of those before it.
// A request function must not call back into the store.

// ErrClosed: the store was closed.
var ErrClosed = errors.New("the database is closed")

type writeRequest struct {
	fn     func(*bolt.Tx) error
	events int // weight toward the group bound
	bytes  int
	done   chan error
}

type writer struct {
	db    *bolt.DB
	guard func(func() error) error

	mu     sync.Mutex
	queue  []*writeRequest
	closed bool
	wake   chan struct{} // cap 1: "the queue may be non-empty"
	exited chan struct{}

	commits, requests atomic.Uint64
}

func newWriter(db *bolt.DB, guard func(func() error) error) *writer {
	w := &writer{db: db, guard: guard, wake: make(chan struct{}, 1), exited: make(chan struct{})}
	go w.loop()
	return w
}

// do queues fn and waits until it is committed (nil) or has failed.
func (w *writer) do(fn func(*bolt.Tx) error, events, bytes int) error {
	req := &writeRequest{fn: fn, events: max(events, 1), bytes: bytes, done: make(chan error, 1)}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	w.queue = append(w.queue, req)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return <-req.done
}

// close lets the writer finish what is queued, then stops it.
func (w *writer) close() {
	w.mu.Lock()
	already := w.closed
	w.closed = true
	w.mu.Unlock()
	if !already {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
	<-w.exited
}

func (w *writer) loop() {
	defer close(w.exited)
	for {
		group, closed := w.take()
		if len(group) == 0 {
			if closed {
				return
			}
			<-w.wake
			continue
		}
		w.commit(group)
	}
}

// groupSize is what a group weighs toward the bounds of one transaction.
type groupSize struct{ events, bytes int }

// take pops the next group: at least one request, then more while the
// group stays within the bounds of one transaction.
func (w *writer) take() ([]*writeRequest, bool) {
	var size groupSize
	group := w.takeMore(nil, &size)
	w.mu.Lock()
	defer w.mu.Unlock()
	return group, w.closed
}

// takeMore appends to group the queued requests that keep it within the
// bounds (the first request of an empty group always fits), updating size.
func (w *writer) takeMore(group []*writeRequest, size *groupSize) []*writeRequest {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for n < len(w.queue) {
		r := w.queue[n]
		if len(group)+n > 0 && (size.events+r.events > MaxEventsPerCommit || size.bytes+r.bytes > MaxBytesPerCommit) {
			break
		}
		size.events += r.events
		size.bytes += r.bytes
		n++
	}
	group = append(group, w.queue[:n]...)
	w.queue = w.queue[n:]
	if len(w.queue) == 0 {
		w.queue = nil // let the backing array go
	}
	return group
}

func (w *writer) commit(group []*writeRequest) {
	var size groupSize
	for _, r := range group {
		size.events += r.events
		size.bytes += r.bytes
	}
	err := w.run(func(tx *bolt.Tx) error {
		for i := 0; i < len(group); i++ {
			if err := group[i].fn(tx); err != nil {
				return err
			}
			if i == len(group)-1 {
				group = w.takeMore(group, &size) // arrived meanwhile: join this transaction
			}
		}
		return nil
	})
	w.commits.Add(1)
	w.requests.Add(uint64(len(group)))
	if err == nil || len(group) == 1 {
		for _, r := range group {
			r.done <- err
		}
		return
	}
	// Something in the group failed: nothing of it was written. Run each
	// request alone so that one bad request does not fail the others.
	for _, r := range group {
		r.done <- w.run(r.fn)
		w.commits.Add(1)
	}
}

func (w *writer) run(fn func(*bolt.Tx) error) error {
	return w.guard(func() error { return w.db.Update(fn) })
}

// WriteStats counts the writer's commits and the requests they carried:
// Requests/Commits is how many writes shared each fsync. Pages is how many
// database pages the commits wrote (meta pages included): what a commit's
// fsync pays for.
type WriteStats struct {
	Commits, Requests, Pages uint64
}

// WriteStats returns the group-commit counters since Open.
func (s *Store) WriteStats() WriteStats {
	st := s.db.Stats()
	return WriteStats{Commits: s.w.commits.Load(), Requests: s.w.requests.Load(), Pages: uint64(st.TxStats.GetWrite())}
}
