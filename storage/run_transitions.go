package storage

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// StartRun claims a pending run for a worker: queued, retrying or waiting →
// running, and counts an attempt. It fails with ErrBadState when another
// worker got there first or the run was cancelled meanwhile.
func (s *Store) StartRun(id RunID) (Run, error) {
	return s.transition(id, func(r *Run) error {
		if !r.State.pending() {
			return badState(r, "not pending")
		}
		r.State = RunRunning
		r.Attempt++
		if r.StartedAt.IsZero() {
			r.StartedAt = s.now().UTC()
		}
		return nil
	})
}

// SaveStep checkpoints one step's result on a running run, replacing an
// earlier result of the same step. A resumed run skips steps that succeeded.
func (s *Store) SaveStep(id RunID, res StepResult) error {
	_, err := s.transition(id, func(r *Run) error {
		if r.State != RunRunning {
			return badState(r, "not running")
		}
		for i := range r.Steps {
			if r.Steps[i].StepID == res.StepID {
				r.Steps[i] = res
				return nil
			}
		}
		r.Steps = append(r.Steps, res)
		return nil
	})
	return err
}

// RetryRun puts a running run back in line after a transient failure
// (network, 5xx, timeout), due at due.
func (s *Store) RetryRun(id RunID, due time.Time, cause *StepError) (Run, error) {
	return s.transition(id, func(r *Run) error {
		if r.State != RunRunning {
			return badState(r, "not running")
		}
		r.State, r.NextDue, r.Error = RunRetrying, due.UTC(), cause
		return nil
	})
}

// WaitRun parks a running run until an Okta rate-limit window resets. The
// attempt it was on is given back: a wait is not a failure.
func (s *Store) WaitRun(id RunID, due time.Time, cause *StepError) (Run, error) {
	return s.transition(id, func(r *Run) error {
		if r.State != RunRunning {
			return badState(r, "not running")
		}
		r.State, r.NextDue, r.Error = RunWaiting, due.UTC(), cause
		r.Attempt = max(r.Attempt-1, 0)
		return nil
	})
}

// SucceedRun finishes a running run successfully.
func (s *Store) SucceedRun(id RunID) (Run, error) {
	return s.finish(id, RunSucceeded, nil)
}

// FailRun finishes a running run as failed, keeping the error that ended it.
func (s *Store) FailRun(id RunID, cause *StepError) (Run, error) {
	return s.finish(id, RunFailed, cause)
}

func (s *Store) finish(id RunID, st RunState, cause *StepError) (Run, error) {
	return s.transition(id, func(r *Run) error {
		if r.State != RunRunning {
			return badState(r, "not running")
		}
		r.State, r.Error, r.NextDue = st, cause, time.Time{}
		r.FinishedAt = s.now().UTC()
		return nil
	})
}

// CancelRun cancels a run that has not started or is between attempts.
func (s *Store) CancelRun(id RunID, reason string) (Run, error) {
	return s.transition(id, func(r *Run) error {
		if !r.State.pending() {
			return badState(r, "only a queued, retrying or waiting run can be cancelled")
		}
		s.cancel(r, reason)
		return nil
	})
}

func (s *Store) cancel(r *Run, reason string) {
	r.State, r.NextDue = RunCancelled, time.Time{}
	r.Error = &StepError{Message: reason}
	r.FinishedAt = s.now().UTC()
}

// RequeueRun is a user's retry of a failed or cancelled run: it goes back to
// queued with a fresh attempt budget. Steps that succeeded stay checkpointed
// (they are not repeated); the failed step's result is dropped.
func (s *Store) RequeueRun(id RunID) (Run, error) {
	return s.transition(id, func(r *Run) error {
		if r.State != RunFailed && r.State != RunCancelled {
			return badState(r, "only a failed or cancelled run can be retried")
		}
		kept := r.Steps[:0]
		for _, st := range r.Steps {
			if st.Succeeded {
				kept = append(kept, st)
			}
		}
		r.Steps = kept
		r.State, r.Attempt, r.Error = RunQueued, 0, nil
		r.NextDue, r.StartedAt, r.FinishedAt = s.now().UTC(), time.Time{}, time.Time{}
		return nil
	})
}

// RecoverOrphans puts every run left running back in the queue. It is called
// once at start-up: the file lock guarantees that no other live process is
// working on them, so a running run here was cut off by a crash. Its
// checkpointed steps are kept, and the interrupted attempt is counted.
func (s *Store) RecoverOrphans() (int, error) {
	ids, err := s.idsInState(RunRunning)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	now := s.now().UTC()
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, id := range ids {
			old, err := s.getRun(tx, id)
			if err != nil {
				return err
			}
			r := old
			r.State, r.NextDue, r.UpdatedAt = RunQueued, now, now
			if err := s.putRun(tx, &old, r); err != nil {
				return err
			}
		}
		return nil
	})
	return len(ids), err
}

// cancelPending cancels integrationID's queued, retrying and waiting runs
// inside tx. Keys are collected before any is changed: editing an index
// while a cursor walks it can skip keys.
func (s *Store) cancelPending(tx *bolt.Tx, integrationID, reason string) (int, error) {
	var ids []RunID
	for _, st := range []RunState{RunQueued, RunRetrying, RunWaiting} {
		prefix := compositeKey([]byte(integrationID), []byte(st), nil)
		c := tx.Bucket(bucketRunsByIntSt).Cursor()
		for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
			ids = append(ids, idFromIndexKey(k))
		}
	}
	for _, id := range ids {
		old, err := s.getRun(tx, id)
		if err != nil {
			return 0, err
		}
		r := old
		s.cancel(&r, reason)
		r.UpdatedAt = r.FinishedAt
		if err := s.putRun(tx, &old, r); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
