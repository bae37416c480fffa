package storage

import (
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// The quarantine after a crash. A crash cuts off every run that was
// running; usually one of them killed the process and the others merely
// ran beside it, and which one cannot be told. Counting the crash against
// all of them would fail innocent runs beside a poison one (PoisonLimit
// crashes with the same neighbours fail them all). So:
//
//   - RecoverInterrupted counts an interruption only for a run that was
//     running alone when the process died: then it is the culprit, or the
//     crash came from outside (a kill), which PoisonLimit absorbs.
//   - Every run it requeues becomes a suspect, kept here (in memory: the
//     next crash's recovery finds the suspects it cut off again). A suspect
//     starts only when no other run runs, and while it runs nothing else
//     starts; a run due after a due suspect waits for it (runs due before
//     it still start, so the queue always moves and the suspect's turn
//     comes once they finish). A suspect that gets through its step, or
//     finishes its attempt, is cleared; one that only waits for a rate
//     limit stays a suspect.
//
// So the poison is the run that keeps killing the process while alone, and
// after PoisonLimit such crashes it fails; its neighbours each run alone
// once and go on.
type quarantine struct {
	mu       sync.Mutex
	suspects map[RunID]bool
	alone    RunID // the suspect running now (0: none)
}

// suspect adds runs to the quarantine.
func (q *quarantine) suspect(ids []RunID) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.suspects == nil {
		q.suspects = map[RunID]bool{}
	}
	for _, id := range ids {
		q.suspects[id] = true
	}
}

// admit decides, inside StartRun's transaction, whether r may start now;
// when it may and r is a suspect, r becomes the one running alone (undo
// gives that back if the transaction does not commit).
func (q *quarantine) admit(s *Store, tx *bolt.Tx, r *Run) (undo func(), err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	undo = func() {}
	if len(q.suspects) == 0 {
		return undo, nil
	}
	if q.alone != 0 && q.alone != r.ID {
		return undo, badState(r, fmt.Sprintf("waiting: run %d, cut off by the last crash, runs alone first", q.alone))
	}
	if q.suspects[r.ID] {
		if others := runningIDs(tx, r.ID); len(others) > 0 {
			return undo, badState(r, fmt.Sprintf("waiting to run alone after the last crash (run %d is running)", others[0]))
		}
		q.alone = r.ID
		return func() { q.release(r.ID, false) }, nil
	}
	now := s.now()
	for id := range q.suspects {
		sr, err := s.getRun(tx, id)
		if err != nil || !sr.State.pending() {
			delete(q.suspects, id) // gone, finished or cancelled: it holds nothing back
			continue
		}
		if !sr.NextDue.After(now) && dueBefore(sr, *r) {
			return undo, badState(r, fmt.Sprintf("waiting: run %d, cut off by the last crash, runs alone first", id))
		}
	}
	return undo, nil
}

// release ends id's turn alone; clear also takes it out of the quarantine.
func (q *quarantine) release(id RunID, clear bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.alone == id {
		q.alone = 0
	}
	if clear {
		delete(q.suspects, id)
	}
}

// dueBefore reports whether a comes before b in the due index.
func dueBefore(a, b Run) bool {
	return a.NextDue.Before(b.NextDue) || (a.NextDue.Equal(b.NextDue) && a.ID < b.ID)
}

// runningIDs lists the running runs but except.
func runningIDs(tx *bolt.Tx, except RunID) []RunID {
	var ids []RunID
	prefix := compositeKey([]byte(RunRunning), nil)
	c := tx.Bucket(bucketRunsByState).Cursor()
	for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		if id := idFromIndexKey(k); id != except {
			ids = append(ids, id)
		}
	}
	return ids
}

// settle records how a transition out of running (or through a step) left
// run id: it passed its step or ended its attempt (cleared), or it only
// waits (still a suspect, no longer running alone).
func (q *quarantine) settle(id RunID, state RunState) {
	q.release(id, state != RunWaiting)
}
