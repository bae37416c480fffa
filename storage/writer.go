package storage

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

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
//
// Hooks of the store: begin runs at the start of every write transaction
// the writer opens (the recent-keys overlay is reset there, see
// dedupe_recent.go), and chore after every commit, with a way to commit
// a request of its own (the merge of recent keys): again and again while
// it has more to do and no request waits.
//
// Faults and Close. A commit the file system refuses (a full disk, an I/O
// error, a file system gone read-only) fails its requests with a
// *WriteError (errors.Is ErrWriteFailed), never an untyped error. Close
// lets the writer commit what is queued, but once it is closing a failed
// commit is not retried request by request: that group and everything
// queued after it are answered with the failure at once, so a failing disk
// cannot make Close try every queued write in turn. And Close waits for
// the writer at most closeWait: a write that never returns (a disk that
// stopped answering fsync) leaves Close returning ErrWriterStuck with the
// writes still queued answered ErrClosed, instead of blocking forever.

// ErrClosed: the store was closed.
var ErrClosed = errors.New("the database is closed")

// ErrWriteFailed: the file system refused a commit (*WriteError says why).
var ErrWriteFailed = errors.New("the database could not be written")

// ErrWriterStuck: Close gave up waiting for a write that never returned.
var ErrWriterStuck = errors.New("a database write did not return")

// WriteError is a commit the file system refused. Nothing of the change
// was written: the previous state of the file stands. It matches
// ErrWriteFailed.
type WriteError struct{ Err error }

func (e *WriteError) Error() string {
	return fmt.Sprintf("writing the database failed (%v); nothing of this change was saved: free disk space or fix the file system, then retry", e.Err)
}

func (e *WriteError) Unwrap() error { return e.Err }

func (e *WriteError) Is(target error) bool { return target == ErrWriteFailed }

// closeWait bounds how long Close waits for the writer (see above).
var closeWait = 10 * time.Second

type writeRequest struct {
	fn     func(*bolt.Tx) error
	events int // weight toward the group bound
	bytes  int
	done   chan error
}

type writer struct {
	db    *bolt.DB
	guard func(func() error) error
	hooks writerHooks

	mu       sync.Mutex
	queue    []*writeRequest
	closed   bool
	gaveUp   bool          // close stopped waiting (closeWait): the loop closes the file when it gets out
	onGiveUp func() error  // what the loop runs then (the bbolt Close)
	wake     chan struct{} // cap 1: "the queue may be non-empty"
	exited   chan struct{}

	commits, requests atomic.Uint64
	// busy and inTx (ns) are how long the commits of groups took in all,
	// and of that how long their requests ran inside the transaction; the
	// rest is bbolt's commit: spill, page writes and the two fsyncs.
	busy, inTx atomic.Int64
}

// writerHooks are the store's (see above); either may be nil.
type writerHooks struct {
	begin func(*bolt.Tx)
	// chore returns whether it has more to do.
	chore func(run func(fn func(*bolt.Tx) error, events int) error) (more bool)
}

func newWriter(db *bolt.DB, guard func(func() error) error, hooks writerHooks) *writer {
	w := &writer{db: db, guard: guard, hooks: hooks, wake: make(chan struct{}, 1), exited: make(chan struct{})}
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

// close lets the writer finish what is queued, then stops it. It returns
// ErrWriterStuck when the writer has not stopped within closeWait: what is
// still queued is then answered ErrClosed, and afterClose runs when (if
// ever) the stuck write returns, instead of by close.
func (w *writer) close(afterClose func() error) error {
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
	t := time.NewTimer(closeWait)
	defer t.Stop()
	select {
	case <-w.exited:
		return afterClose()
	case <-t.C:
	}
	w.mu.Lock()
	select {
	case <-w.exited: // got out meanwhile
		w.mu.Unlock()
		return afterClose()
	default:
	}
	queued := w.queue
	w.queue, w.gaveUp, w.onGiveUp = nil, true, afterClose
	w.mu.Unlock()
	for _, r := range queued {
		r.done <- ErrClosed
	}
	return fmt.Errorf("%w: closing the database waited %v for it (a disk that stopped answering?); the writes not yet answered were not saved", ErrWriterStuck, closeWait)
}

func (w *writer) loop() {
	defer func() {
		w.mu.Lock()
		gaveUp, after := w.gaveUp, w.onGiveUp
		close(w.exited)
		w.mu.Unlock()
		if gaveUp {
			after() // Close could not: the stuck write has returned
		}
	}()
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
		// The chore goes on while nothing waits for the writer, and yields
		// to what does after each of its commits.
		for w.hooks.chore != nil && !closed && w.hooks.chore(w.commitOwn) && w.idle() {
		}
	}
}

// commitOwn commits fn as a group of its own (with what joins it) and
// returns its outcome: the chore's way to write.
func (w *writer) commitOwn(fn func(*bolt.Tx) error, events int) error {
	req := &writeRequest{fn: fn, events: max(events, 1), done: make(chan error, 1)}
	w.commit([]*writeRequest{req})
	return <-req.done
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
	start := time.Now()
	err := w.run(func(tx *bolt.Tx) error {
		defer func() { w.inTx.Add(int64(time.Since(start))) }()
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
	w.busy.Add(int64(time.Since(start)))
	w.commits.Add(1)
	w.requests.Add(uint64(len(group)))
	if err == nil || len(group) == 1 {
		for _, r := range group {
			r.done <- err
		}
		return
	}
	var werr *WriteError
	if errors.As(err, &werr) && w.isClosed() {
		// The disk refused the commit and the store is closing: do not try
		// each request (and then each queued one) against it in turn.
		w.failQueued(group, err)
		return
	}
	// Something in the group failed: nothing of it was written. Run each
	// request alone so that one bad request does not fail the others.
	for i, r := range group {
		err := w.run(r.fn)
		r.done <- err
		w.commits.Add(1)
		if errors.As(err, &werr) && w.isClosed() {
			w.failQueued(group[i+1:], err)
			return
		}
	}
}

func (w *writer) idle() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.queue) == 0 && !w.closed
}

func (w *writer) isClosed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closed
}

// failQueued answers the requests of group and every queued one with err.
func (w *writer) failQueued(group []*writeRequest, err error) {
	w.mu.Lock()
	queued := w.queue
	w.queue = nil
	w.mu.Unlock()
	for _, r := range append(group, queued...) {
		r.done <- err
	}
}

// run runs fn in one transaction. A commit that fails after fn succeeded
// is the file system's refusal: a *WriteError. fn's own error (or panic)
// is returned as it is.
func (w *writer) run(fn func(*bolt.Tx) error) error {
	ran, returned := false, false // fn succeeded; Update returned (did not panic)
	err := w.guard(func() error {
		err := w.db.Update(func(tx *bolt.Tx) error {
			ran = false
			if w.hooks.begin != nil {
				w.hooks.begin(tx)
			}
			if err := fn(tx); err != nil {
				return err
			}
			ran = true
			return nil
		})
		returned = true
		return err
	})
	if err != nil && ran && returned {
		return &WriteError{Err: err}
	}
	return err
}

// WriteStats counts the writer's commits and the requests they carried:
// Requests/Commits is how many writes shared each fsync. Pages is how many
// database pages the commits wrote (meta pages included): what a commit's
// fsync pays for. Busy is the wall time of the groups' transactions (the
// writer is serial: 1/Busy per commit bounds the commit rate); InTx is
// the part spent running requests (from the transaction's start), and
// Sync the part bbolt spent writing pages and syncing (both fsyncs); the
// rest is its spill (pages built from the changed nodes) and freelist.
//
// RecentKeys is how many new dedupe keys wait in the journal for a merge
// into their trees, MergeFailures how many merges failed (dedupe_recent.go).
type WriteStats struct {
	Commits, Requests, Pages uint64
	Busy, InTx, Sync         time.Duration
	RecentKeys               int
	MergeFailures            uint64
}

// WriteStats returns the group-commit counters since Open.
func (s *Store) WriteStats() WriteStats {
	st := s.db.Stats()
	return WriteStats{Commits: s.w.commits.Load(), Requests: s.w.requests.Load(), Pages: uint64(st.TxStats.GetWrite()),
		Busy: time.Duration(s.w.busy.Load()), InTx: time.Duration(s.w.inTx.Load()), Sync: st.TxStats.GetWriteTime(),
		RecentKeys: s.recent.size(), MergeFailures: s.recent.failures.Load()}
}
