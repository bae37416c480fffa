package storage

import (
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// StartRun claims a pending run for a worker: queued, retrying or waiting →
// running, and counts an attempt. It fails with ErrBadState when another
// worker got there first or the run was cancelled meanwhile.
//
// A run whose integration is OFF or deleted (a manual run excepted) is
// cancelled instead, and StartRun returns it with an error matching
// ErrBadState: switching OFF cancels the backlog in bounded transactions,
// and this keeps a run that is not cancelled yet from starting meanwhile.
func (s *Store) StartRun(id RunID) (Run, error) {
	var off bool
	undo := func() {}
	r, err := s.transition(id, func(tx *bolt.Tx, r *Run) error {
		off = false // a request may run twice (group commit)
		if !r.State.pending() {
			return badState(r, "not pending")
		}
		if reason := s.offReason(tx, r); reason != "" {
			s.cancel(r, reason)
			off = true
			return nil
		}
		var err error
		if undo, err = s.quar.admit(s, tx, r); err != nil { // after a crash: see quarantine.go
			return err
		}
		r.State = RunRunning
		r.Attempt++
		now := s.now().UTC()
		if r.StartedAt.IsZero() {
			r.StartedAt = now
		}
		// The version stored when the run is claimed: the scheduler read the
		// definition it executes from the cache just before, which an edit
		// invalidates in its own commit.
		version := 0
		if h, err := s.integrationHead(tx, r.IntegrationID); err == nil {
			version = h.version()
		}
		r.beginAttempt(version, now)
		return nil
	})
	if err != nil {
		undo()
	}
	if err == nil && off {
		s.quar.release(id, true)
		return r, fmt.Errorf("run %d was not started but cancelled (%s): %w", id, r.Error.Message, ErrBadState)
	}
	return r, err
}

// SaveStep checkpoints one step's result on a running run, replacing an
// earlier result of the same step. A resumed run skips steps that succeeded.
func (s *Store) SaveStep(id RunID, res StepResult) error {
	_, err := s.transition(id, func(_ *bolt.Tx, r *Run) error {
		if r.State != RunRunning {
			return badState(r, "not running")
		}
		r.checkpoint(res)
		return nil
	})
	if err == nil {
		s.quar.settle(id, RunRunning) // through a step without killing the process
	}
	return err
}

func (r *Run) checkpoint(res StepResult) {
	for i := range r.Steps {
		if r.Steps[i].StepID == res.StepID {
			r.Steps[i] = res
			return
		}
	}
	r.Steps = append(r.Steps, res)
}

// Outcome is how a running run's attempt ends.
type Outcome struct {
	// State is RunSucceeded, RunFailed, RunRetrying (a transient failure:
	// due again at Due, the attempt counted) or RunWaiting (an Okta rate
	// limit: due at Due, the attempt given back).
	State RunState
	Due   time.Time
	Cause *StepError // why it failed, retries or waits
	Step  string     // the step the attempt failed on, if one did (see OnStep)
}

// FinishRun ends a running run's attempt as o says.
//
// A run that would retry or wait while its integration is OFF (or deleted)
// is cancelled instead: an OFF integration keeps no pending runs but manual
// ones. The returned run says which happened.
func (s *Store) FinishRun(id RunID, o Outcome) (Run, error) {
	return s.finishRun(id, nil, o)
}

// FinishRunWithStep checkpoints the last step's result and ends the attempt
// in one commit: the same as SaveStep then FinishRun, one fsync cheaper.
func (s *Store) FinishRunWithStep(id RunID, step StepResult, o Outcome) (Run, error) {
	return s.finishRun(id, &step, o)
}

func (s *Store) finishRun(id RunID, step *StepResult, o Outcome) (Run, error) {
	switch o.State {
	case RunSucceeded, RunFailed, RunRetrying, RunWaiting:
	default:
		return Run{}, fmt.Errorf("%w: a run cannot finish an attempt as %q", ErrInvalid, o.State)
	}
	r, err := s.transition(id, func(tx *bolt.Tx, r *Run) error {
		if r.State != RunRunning {
			return badState(r, "not running")
		}
		if step != nil {
			r.checkpoint(*step)
		}
		now := s.now().UTC()
		switch o.State {
		case RunSucceeded, RunFailed:
			r.endAttempt(AttemptEnd(o.State), o.Step, o.Cause, now)
			r.State, r.Error, r.NextDue = o.State, o.Cause, time.Time{}
			r.FinishedAt = now
			return nil
		}
		if reason := s.offReason(tx, r); reason != "" {
			// The attempt keeps its own error; the run says why it stopped.
			r.endAttempt(AttemptCancelled, o.Step, o.Cause, now)
			s.cancel(r, reason)
			return nil
		}
		r.endAttempt(AttemptEnd(o.State), o.Step, o.Cause, now)
		r.State, r.NextDue, r.Error = o.State, o.Due.UTC(), o.Cause
		if o.State == RunWaiting {
			r.Attempt = max(r.Attempt-1, 0) // a wait is not a failure
		}
		return nil
	})
	if err == nil {
		s.quar.settle(id, r.State)
	}
	return r, err
}

// RetryRun puts a running run back in line after a transient failure
// (network, 5xx, timeout), due at due: FinishRun with RunRetrying.
func (s *Store) RetryRun(id RunID, due time.Time, cause *StepError) (Run, error) {
	return s.FinishRun(id, Outcome{State: RunRetrying, Due: due, Cause: cause})
}

// WaitRun parks a running run until an Okta rate-limit window resets; the
// attempt it was on is given back: FinishRun with RunWaiting.
func (s *Store) WaitRun(id RunID, due time.Time, cause *StepError) (Run, error) {
	return s.FinishRun(id, Outcome{State: RunWaiting, Due: due, Cause: cause})
}

// offReason says why a non-manual run may not stay pending: its integration
// is OFF or gone. "" means it may.
func (s *Store) offReason(tx *bolt.Tx, r *Run) string {
	if r.Manual {
		return ""
	}
	in, err := s.integrationHead(tx, r.IntegrationID)
	switch {
	case errors.Is(err, ErrNotFound):
		return "integration deleted"
	case err != nil:
		return "" // unreadable: Problems says so; the run is not cancelled on a guess
	case !in.Enabled:
		return "integration switched OFF"
	}
	return ""
}

// SucceedRun finishes a running run successfully.
func (s *Store) SucceedRun(id RunID) (Run, error) {
	return s.FinishRun(id, Outcome{State: RunSucceeded})
}

// FailRun finishes a running run as failed, keeping the error that ended it.
func (s *Store) FailRun(id RunID, cause *StepError) (Run, error) {
	return s.FinishRun(id, Outcome{State: RunFailed, Cause: cause})
}

// CancelRun cancels a run that has not started or is between attempts.
func (s *Store) CancelRun(id RunID, reason string) (Run, error) {
	r, err := s.transition(id, func(_ *bolt.Tx, r *Run) error {
		if !r.State.pending() {
			return badState(r, "only a queued, retrying or waiting run can be cancelled")
		}
		s.cancel(r, reason)
		return nil
	})
	if err == nil {
		s.quar.release(id, true)
	}
	return r, err
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
	return s.transition(id, func(_ *bolt.Tx, r *Run) error {
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
		r.Interruptions, r.InterruptedStep = 0, ""
		r.NextDue, r.StartedAt, r.FinishedAt = s.now().UTC(), time.Time{}, time.Time{}
		return nil
	})
}

// PoisonLimit is how many crashes in a row may cut a run off on the same
// step before RecoverInterrupted fails it: a run that takes the process down
// every time must not crash-loop the service.
const PoisonLimit = 3

// Recovery says what RecoverInterrupted did with each run left running.
type Recovery struct {
	Requeued  []RunID // back in the queue, checkpoints kept
	Failed    []RunID // poison: interrupted PoisonLimit times on the same step
	Cancelled []RunID // their integration is OFF or gone
}

// RecoverInterrupted deals with every run left running. It is called once
// at start-up: the file lock guarantees that no other live process is
// working on them, so a running run here was cut off by a crash. When it
// is the only one, it counts an interruption on the step it was on (the
// first step without a successful checkpoint); several runs cut off
// together count nothing, since which of them killed the process cannot be
// told (see quarantine.go). Then
//   - a run of an integration that is OFF or deleted is cancelled (a manual
//     run excepted),
//   - a run interrupted PoisonLimit times in a row on the same step, alone,
//     fails with "interrupted N times while running step X",
//   - any other goes back to queued, its checkpointed steps kept, and into
//     the quarantine: each such run runs alone before other runs go on.
//
// Runs are handled in bounded transactions; a crash in between leaves the
// rest running, to be handled at the next start.
func (s *Store) RecoverInterrupted() (Recovery, error) {
	var rec Recovery
	ids, err := s.idsInState(RunRunning)
	if err != nil || len(ids) == 0 {
		return rec, err
	}
	alone := len(ids) == 1
	for chunk := range slices.Chunk(ids, maxRunsPerTx) {
		var part Recovery
		err := s.updateSized(len(chunk), 0, func(tx *bolt.Tx) error {
			part = Recovery{}
			for _, id := range chunk {
				if err := s.recoverOne(tx, id, alone, &part); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return rec, err
		}
		rec.Requeued = append(rec.Requeued, part.Requeued...)
		rec.Failed = append(rec.Failed, part.Failed...)
		rec.Cancelled = append(rec.Cancelled, part.Cancelled...)
		s.quar.suspect(part.Requeued)
	}
	return rec, nil
}

// RecoverOrphans is RecoverInterrupted reporting only how many runs went
// back to the queue (the engine logs that number).
func (s *Store) RecoverOrphans() (int, error) {
	rec, err := s.RecoverInterrupted()
	return len(rec.Requeued), err
}

// recoverOne recovers run id; alone says it was the only run running.
func (s *Store) recoverOne(tx *bolt.Tx, id RunID, alone bool, rec *Recovery) error {
	old, err := s.getRun(tx, id)
	if s.skip(err, nil) || errors.Is(err, ErrNotFound) {
		return nil // left as it is; Problems names it
	}
	if err != nil {
		return err
	}
	if old.State != RunRunning {
		return nil
	}
	r := old
	now := s.now().UTC()
	r.UpdatedAt = now
	var in *Integration
	if got, err := s.getIntegration(tx, r.IntegrationID); err == nil {
		in = &got
	}
	step := interruptedStep(in, r)
	if r.InterruptedStep != step { // past the step it was cut off on before
		r.Interruptions, r.InterruptedStep = 0, step
	}
	if alone {
		r.Interruptions++
	}
	where := "while finishing the run"
	if step != "" {
		where = "while running step " + step
	}
	r.Attempts = append([]Attempt(nil), old.Attempts...)
	r.endAttempt(AttemptInterrupted, step, &StepError{Message: "interrupted " + where + ": the process stopped (a crash or kill)"}, now)
	switch {
	case !r.Manual && (in == nil || !in.Enabled):
		reason := "integration switched OFF"
		if in == nil {
			reason = "integration deleted"
		}
		s.cancel(&r, reason+"; the run was interrupted "+where)
		rec.Cancelled = append(rec.Cancelled, id)
	case r.Interruptions >= PoisonLimit:
		r.State, r.NextDue, r.FinishedAt = RunFailed, time.Time{}, now
		r.Error = &StepError{Message: fmt.Sprintf("interrupted %d times while running %s: the process stopped each time (a crash or kill); fix the cause, then retry the run",
			r.Interruptions, stepOrFinish(step))}
		rec.Failed = append(rec.Failed, id)
	default:
		r.State, r.NextDue = RunQueued, now
		rec.Requeued = append(rec.Requeued, id)
	}
	return s.putRun(tx, &old, r)
}

func stepOrFinish(step string) string {
	if step == "" {
		return "the finish of the run"
	}
	return "step " + step
}

// interruptedStep is the step a running run was on: the first step of its
// integration without a successful checkpoint ("" when all have one, or the
// integration is gone and no step failed).
func interruptedStep(in *Integration, r Run) string {
	if in == nil {
		for _, st := range r.Steps {
			if !st.Succeeded {
				return st.StepID
			}
		}
		return ""
	}
	for _, st := range in.Steps {
		if res, ok := r.Step(st.ID); !ok || !res.Succeeded {
			return st.ID
		}
	}
	return ""
}

// pendingIDs lists integrationID's queued, retrying and waiting runs.
func pendingIDs(tx *bolt.Tx, integrationID string) []RunID {
	var ids []RunID
	for _, st := range []RunState{RunQueued, RunRetrying, RunWaiting} {
		prefix := compositeKey([]byte(integrationID), []byte(st), nil)
		c := tx.Bucket(bucketRunsByIntSt).Cursor()
		for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
			ids = append(ids, idFromIndexKey(k))
		}
	}
	return ids
}

// cancelRuns cancels those of ids that are still pending, inside tx. Keys were collected before any is changed:
// editing an index while a cursor walks it can skip keys.
func (s *Store) cancelRuns(tx *bolt.Tx, ids []RunID, reason string) (int, error) {
	n := 0
	for _, id := range ids {
		old, err := s.getRun(tx, id)
		if errors.Is(err, ErrNotFound) || s.skip(err, nil) {
			continue
		}
		if err != nil {
			return n, err
		}
		if !old.State.pending() {
			continue
		}
		r := old
		s.cancel(&r, reason)
		r.UpdatedAt = r.FinishedAt
		if err := s.putRun(tx, &old, r); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// cancelInChunks cancels ids in transactions of at most maxRunsPerTx runs,
// so that a large backlog never holds the writer for long. It is safe to be
// cut short by a crash: the integration is already OFF (or gone), so StartRun
// and RecoverInterrupted cancel any run left pending instead of running it.
func (s *Store) cancelInChunks(ids []RunID, reason string) (int, error) {
	total := 0
	for chunk := range slices.Chunk(ids, maxRunsPerTx) {
		n := 0
		err := s.updateSized(len(chunk), 0, func(tx *bolt.Tx) error {
			var err error
			n, err = s.cancelRuns(tx, chunk, reason)
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}
