package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// holdWriter makes the writer busy with a commit that lasts until the
// returned release is called (it waits in the transaction's OnCommit, after
// the data is written: as a commit's fsync does), so that what arrives
// meanwhile queues for the next transaction.
func holdWriter(t *testing.T, s *Store) (release func()) {
	t.Helper()
	return holdWriterIn(t, s, true)
}

// holdWriterIn holds the writer in a transaction still open (committed
// false: its request is running, more may join it) or being committed.
func holdWriterIn(t *testing.T, s *Store, committed bool) (release func()) {
	t.Helper()
	entered, gate := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		first := true
		done <- s.update(func(tx *bolt.Tx) error {
			if !first {
				return nil
			}
			first = false
			hold := func() { close(entered); <-gate }
			if committed {
				tx.OnCommit(hold)
			} else {
				hold()
			}
			return nil
		})
	}()
	<-entered
	var once sync.Once
	release = func() {
		once.Do(func() {
			close(gate)
			if err := <-done; err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(release) // a failed test must not leave the writer stuck
	return release
}

// waitQueued waits until n requests are queued behind the busy writer.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		s.w.mu.Lock()
		q := len(s.w.queue)
		s.w.mu.Unlock()
		if q >= n {
			return
		}
	}
	t.Fatalf("fewer than %d requests queued", n)
}

func TestConcurrentWritesShareOneCommit(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	release := holdWriter(t, s)
	before := s.WriteStats()
	const senders = 16
	var wg sync.WaitGroup
	results := make([][]Enqueued, senders)
	for i := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.EnqueueEvents(in.ID, []NewEvent{{Payload: json.RawMessage(`{}`), DedupeKey: fmt.Sprint("s", i)}}, EnqueueOptions{})
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		}()
	}
	waitQueued(t, s, senders)
	release()
	wg.Wait()
	st := s.WriteStats()
	if commits, reqs := st.Commits-before.Commits, st.Requests-before.Requests; commits != 2 || reqs != senders+1 {
		t.Fatalf("%d requests took %d commits; want the 16 folded into one after the busy one", reqs, commits)
	}
	seen := map[RunID]bool{}
	for _, res := range results {
		if len(res) != 1 || res[0].RunID == 0 || seen[res[0].RunID] {
			t.Fatalf("results %+v", results)
		}
		seen[res[0].RunID] = true
	}
	if counts, _ := s.RunCounts(); counts[RunQueued] != senders {
		t.Fatalf("queued %d", counts[RunQueued])
	}
}

// What arrives while a transaction is still open (its requests running,
// before its commit) joins it: one commit, not a commit for the first
// request and another for those that came during its run.
func TestWritesArrivingWhileATransactionRunsJoinIt(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	release := holdWriterIn(t, s, false)
	before := s.WriteStats()
	const senders = 8
	var wg sync.WaitGroup
	for i := range senders {
		wg.Go(func() {
			if _, err := s.EnqueueEvents(in.ID, []NewEvent{{Payload: json.RawMessage(`{}`), DedupeKey: fmt.Sprint("j", i)}}, EnqueueOptions{}); err != nil {
				t.Error(err)
			}
		})
	}
	waitQueued(t, s, senders)
	release()
	wg.Wait()
	st := s.WriteStats()
	if commits, reqs := st.Commits-before.Commits, st.Requests-before.Requests; commits != 1 || reqs != senders+1 {
		t.Fatalf("%d requests took %d commits; want the %d that came during the open transaction in it", reqs, commits, senders)
	}
	if counts, _ := s.RunCounts(); counts[RunQueued] != senders {
		t.Fatalf("queued %d", counts[RunQueued])
	}
	checkDueIndexes(t, s)
}

func TestALoneWriteIsCommittedAtOnce(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	before := s.WriteStats()
	for i := range 5 {
		enqueue(t, s, in.ID, fmt.Sprint(i)) // returns only once committed: nothing waits for company
	}
	if st := s.WriteStats(); st.Commits-before.Commits != 5 || st.Requests-before.Requests != 5 {
		t.Fatalf("sequential writes: %+v → %+v", before, st)
	}
}

func TestOneFailingRequestDoesNotFailItsGroup(t *testing.T) {
	s, _ := openTest(t)
	on := newIntegration(t, s, true)
	done := enqueue(t, s, on.ID, "done")[0]
	release := holdWriter(t, s)
	type result struct {
		res []Enqueued
		err error
	}
	a, b := make(chan result, 1), make(chan result, 1)
	send := func(out chan result, key string) {
		go func() {
			res, err := s.EnqueueEvents(on.ID, []NewEvent{{Payload: json.RawMessage(`{}`), DedupeKey: key}}, EnqueueOptions{})
			out <- result{res, err}
		}()
	}
	send(a, "a")
	waitQueued(t, s, 1)
	bad := make(chan error, 1)
	go func() { _, err := s.StartRun(done); bad <- err }() // fine on its own...
	waitQueued(t, s, 2)
	go func() { _, err := s.StartRun(done); bad <- err }() // ...but the second claim of the same run fails
	waitQueued(t, s, 3)
	send(b, "b")
	waitQueued(t, s, 4)
	panicked := make(chan error, 1)
	go func() { panicked <- s.update(func(*bolt.Tx) error { panic("a bug in one request") }) }()
	waitQueued(t, s, 5)
	release()
	for name, ch := range map[string]chan result{"a": a, "b": b} {
		r := <-ch
		if r.err != nil || len(r.res) != 1 || r.res[0].Duplicate || r.res[0].RunID == 0 {
			t.Fatalf("request %s: %+v %v", name, r.res, r.err)
		}
	}
	errs := []error{<-bad, <-bad}
	if (errs[0] == nil) == (errs[1] == nil) || !(errors.Is(errs[0], ErrBadState) || errors.Is(errs[1], ErrBadState)) {
		t.Fatalf("two claims of one run: %v", errs)
	}
	if err := <-panicked; err == nil {
		t.Fatal("the panicking request succeeded")
	}
	// Re-run requests left no trace of their first run: exactly a and b, and one claim.
	if counts, _ := s.RunCounts(); counts[RunQueued] != 2 || counts[RunRunning] != 1 {
		t.Fatalf("counts %v, want 2 queued and 1 running", counts)
	}
	if r, _ := s.Run(done); r.Attempt != 1 {
		t.Fatalf("the claimed run counts %d attempts", r.Attempt)
	}
	checkDueIndexes(t, s)
}

func TestRunTransitionsGroupAcrossWorkers(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	ids := enqueue(t, s, in.ID, "a", "b", "c", "d")
	for _, id := range ids {
		if _, err := s.StartRun(id); err != nil {
			t.Fatal(err)
		}
	}
	release := holdWriter(t, s)
	before := s.WriteStats()
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.FinishRunWithStep(id, StepResult{StepID: "create", Succeeded: true}, Outcome{State: RunSucceeded}); err != nil {
				t.Error(err)
			}
		}()
	}
	waitQueued(t, s, len(ids))
	release()
	wg.Wait()
	if st := s.WriteStats(); st.Commits-before.Commits != 2 {
		t.Fatalf("4 finishes took %d commits after the busy one", st.Commits-before.Commits-1)
	}
	if counts, _ := s.RunCounts(); counts[RunSucceeded] != 4 {
		t.Fatalf("counts %v", counts)
	}
}

func TestWritesAfterCloseFail(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	s.Close()
	if _, err := s.EnqueueEvents(in.ID, keyed("k", 0, 1), EnqueueOptions{}); err == nil {
		t.Fatal("a write after Close succeeded")
	}
}
