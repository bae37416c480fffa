package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// RunID orders runs: it comes from the runs bucket's sequence, so a larger
// id is a newer run.
type RunID uint64

func (id RunID) String() string { return strconv.FormatUint(uint64(id), 10) }

// ParseRunID accepts "42" and "run-42".
func ParseRunID(s string) (RunID, error) {
	n, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(s), "run-"), 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%w: %q is not a run id (want a number such as 42)", ErrInvalid, s)
	}
	return RunID(n), nil
}

// RunState is where a run is in its life:
//
//	queued → running → succeeded
//	                 → retrying (backoff; due later) → running
//	                 → waiting (Okta 429; due at the reset; no attempt used) → running
//	                 → failed
//	queued | retrying | waiting → cancelled
//	failed | cancelled → queued (an explicit retry)
type RunState string

// Run states.
const (
	RunQueued    RunState = "queued"
	RunRunning   RunState = "running"
	RunRetrying  RunState = "retrying"
	RunWaiting   RunState = "waiting"
	RunSucceeded RunState = "succeeded"
	RunFailed    RunState = "failed"
	RunCancelled RunState = "cancelled"
)

// RunStates lists every state, in life order.
var RunStates = []RunState{RunQueued, RunRunning, RunRetrying, RunWaiting, RunSucceeded, RunFailed, RunCancelled}

// ParseRunState checks a state name typed by a user.
func ParseRunState(s string) (RunState, error) {
	for _, st := range RunStates {
		if string(st) == strings.ToLower(strings.TrimSpace(s)) {
			return st, nil
		}
	}
	names := make([]string, len(RunStates))
	for i, st := range RunStates {
		names[i] = string(st)
	}
	return "", fmt.Errorf("%w: unknown run state %q (one of %s)", ErrInvalid, s, strings.Join(names, ", "))
}

// Final reports whether nothing more will happen to a run in this state
// unless a user retries it.
func (st RunState) Final() bool {
	return st == RunSucceeded || st == RunFailed || st == RunCancelled
}

// pending states sit in the due index, waiting for a worker.
func (st RunState) pending() bool {
	return st == RunQueued || st == RunRetrying || st == RunWaiting
}

// Run is one execution of an integration for one trigger event.
type Run struct {
	ID            RunID           `json:"id"`
	IntegrationID string          `json:"integrationId"`
	Trigger       string          `json:"trigger"` // trigger type that produced the event
	Event         json.RawMessage `json:"event"`
	DedupeKey     string          `json:"dedupeKey,omitempty"`
	State         RunState        `json:"state"`
	Attempt       int             `json:"attempt"` // attempts used; a rate-limit wait uses none
	NextDue       time.Time       `json:"nextDue,omitzero"`
	Steps         []StepResult    `json:"steps,omitempty"`
	Error         *StepError      `json:"error,omitempty"` // why it last failed, retried or waited
	CreatedAt     time.Time       `json:"createdAt"`
	UpdatedAt     time.Time       `json:"updatedAt"`
	StartedAt     time.Time       `json:"startedAt,omitzero"`
	FinishedAt    time.Time       `json:"finishedAt,omitzero"`
	// Manual: queued by a user (Run now), so it may run while its
	// integration is OFF. Other runs of an OFF integration are cancelled
	// rather than retried, waited or recovered.
	Manual bool `json:"manual,omitempty"`
	// Interruptions counts the crashes in a row that cut this run off while
	// it was running InterruptedStep (see RecoverInterrupted).
	Interruptions   int    `json:"interruptions,omitempty"`
	InterruptedStep string `json:"interruptedStep,omitempty"`
	// Version is the version of the integration the latest attempt ran
	// (Integration.Version when it started); 0 for a run that never started
	// or was stored before versions were kept.
	Version int `json:"version,omitempty"`
	// Attempts is the history of the run's tries, oldest first, at most
	// MaxAttemptsKept (the latest).
	Attempts []Attempt `json:"attempts,omitempty"`
}

// Step reports the checkpointed result of a step, if it has one.
func (r Run) Step(id string) (StepResult, bool) {
	for _, s := range r.Steps {
		if s.StepID == id {
			return s, true
		}
	}
	return StepResult{}, false
}

// StepResult is the checkpoint of one step of a run.
type StepResult struct {
	StepID     string          `json:"stepId"`
	Succeeded  bool            `json:"succeeded"`
	Input      map[string]any  `json:"input,omitempty"` // resolved fields, secrets redacted by the engine
	Output     json.RawMessage `json:"output,omitempty"`
	Error      *StepError      `json:"error,omitempty"`
	StartedAt  time.Time       `json:"startedAt"`
	FinishedAt time.Time       `json:"finishedAt"`
}

// StepError keeps what went wrong, with Okta's error when there was one.
type StepError struct {
	Message   string   `json:"message"`
	Status    int      `json:"status,omitempty"`    // HTTP status
	Code      string   `json:"code,omitempty"`      // Okta errorCode, e.g. E0000001
	Summary   string   `json:"summary,omitempty"`   // Okta errorSummary
	Causes    []string `json:"causes,omitempty"`    // Okta errorCauses[].errorSummary
	RequestID string   `json:"requestId,omitempty"` // X-Okta-Request-Id
}

func (e *StepError) Error() string { return e.Message }

func runKey(id RunID) []byte { return be64(uint64(id)) }

func dueByIntKey(integrationID string, due time.Time, id RunID) []byte {
	return compositeKey([]byte(integrationID), dueKey(due, id))
}

func dueKey(due time.Time, id RunID) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, uint64(max(due.UnixNano(), 0)))
	binary.BigEndian.PutUint64(k[8:], uint64(id))
	return k
}

func (s *Store) getRun(tx *bolt.Tx, id RunID) (Run, error) {
	raw := tx.Bucket(bucketRuns).Get(runKey(id))
	if raw == nil {
		return Run{}, fmt.Errorf("run %d: %w", id, ErrNotFound)
	}
	return decodeRun(runKey(id), raw)
}

// putRun writes r and keeps every index and counter in step with it. old is
// the run as stored before (nil for a new run). This is the only writer of
// runs, so the indexes cannot drift from the records.
func (s *Store) putRun(tx *bolt.Tx, old *Run, r Run) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return s.putRunEncoded(tx, old, r, raw)
}

// putRunEncoded is putRun with r already encoded as raw (json.Marshal(r)).
func (s *Store) putRunEncoded(tx *bolt.Tx, old *Run, r Run, raw []byte) error {
	if err := tx.Bucket(bucketRuns).Put(runKey(r.ID), raw); err != nil {
		return err
	}
	id := runKey(r.ID)
	byState, byIntSt, dueByInt := tx.Bucket(bucketRunsByState), tx.Bucket(bucketRunsByIntSt), tx.Bucket(bucketRunsDueByInt)
	for _, b := range []*bolt.Bucket{byState, byIntSt, dueByInt} {
		b.FillPercent = appendFill
	}
	if old != nil {
		if err := byState.Delete(compositeKey([]byte(old.State), id)); err != nil {
			return err
		}
		if err := byIntSt.Delete(compositeKey([]byte(old.IntegrationID), []byte(old.State), id)); err != nil {
			return err
		}
		if old.State.pending() {
			if err := dueByInt.Delete(dueByIntKey(old.IntegrationID, old.NextDue, old.ID)); err != nil {
				return err
			}
		}
		if err := addCount(tx, old.State, -1); err != nil {
			return err
		}
	}
	if err := byState.Put(compositeKey([]byte(r.State), id), nil); err != nil {
		return err
	}
	if err := byIntSt.Put(compositeKey([]byte(r.IntegrationID), []byte(r.State), id), nil); err != nil {
		return err
	}
	if r.State.pending() {
		if err := dueByInt.Put(dueByIntKey(r.IntegrationID, r.NextDue, r.ID), nil); err != nil {
			return err
		}
	}
	if err := countRun(tx, old, r); err != nil {
		return err
	}
	return addCount(tx, r.State, +1)
}

// appendFill is the FillPercent of the buckets whose keys are inserted at
// the end of a range and never in between: the run indexes (a run id is
// the largest of its state's range when it enters it, and larger due
// times come with larger ids unless a retry waits) and the dedupe age
// indexes (keys start with the time they were seen). bbolt splits an
// overflowing page at FillPercent of a page: with its default (half) every
// page left behind by a range that grows at its end stays half empty, and
// the trees hold twice the pages they need, a level more sooner, and each
// commit rewrites more of them. Full pages cost nothing here: no key lands
// in a page once the range has moved past it. The runs bucket keeps the
// default: its records grow in place as runs go through their steps.
const appendFill = 1.0

func addCount(tx *bolt.Tx, st RunState, delta int64) error {
	b := tx.Bucket(bucketRunCounts)
	var n int64
	if raw := b.Get([]byte(st)); raw != nil {
		n = int64(binary.BigEndian.Uint64(raw))
	}
	return b.Put([]byte(st), be64(uint64(max(n+delta, 0))))
}

// RunCounts returns how many runs are in each state, in constant time.
func (s *Store) RunCounts() (map[RunState]int, error) {
	out := make(map[RunState]int, len(RunStates))
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRunCounts)
		for _, st := range RunStates {
			if raw := b.Get([]byte(st)); raw != nil {
				out[st] = int(binary.BigEndian.Uint64(raw))
			}
		}
		return nil
	})
	return out, err
}

// Run returns one run.
func (s *Store) Run(id RunID) (Run, error) {
	var r Run
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		r, err = s.getRun(tx, id)
		return err
	})
	return r, err
}

// transition loads run id, lets change edit it after checking its state, and
// writes it back with its indexes, all in one transaction.
func (s *Store) transition(id RunID, change func(tx *bolt.Tx, r *Run) error) (Run, error) {
	var out Run
	var damaged *RecordError
	err := s.update(func(tx *bolt.Tx) error {
		damaged = nil // a request may run twice (group commit)
		old, err := s.getRun(tx, id)
		if errors.As(err, &damaged) {
			return undue(tx, id) // committed: the damaged run leaves the queue
		}
		if err != nil {
			return err
		}
		r := old
		r.Steps = append([]StepResult(nil), old.Steps...)
		r.Attempts = append([]Attempt(nil), old.Attempts...)
		if err := change(tx, &r); err != nil {
			return err
		}
		r.UpdatedAt = s.now().UTC()
		out = r
		return s.putRun(tx, &old, r)
	})
	if err == nil && damaged != nil {
		s.bad.add(damaged)
		return Run{}, damaged
	}
	return out, err
}

// undue removes run id from the due index, where its record cannot say
// its integration or due time any more: by its id, which ends every key.
// It is for a damaged record only (a scan of the index), so that the
// scheduler does not claim it again and the runs behind it start.
func undue(tx *bolt.Tx, id RunID) error {
	b := tx.Bucket(bucketRunsDueByInt)
	want := runKey(id)
	var keys [][]byte
	err := b.ForEach(func(k, _ []byte) error {
		if len(k) >= len(want) && bytes.Equal(k[len(k)-len(want):], want) {
			keys = append(keys, bytes.Clone(k))
		}
		return nil
	})
	for _, k := range keys {
		if err == nil {
			err = b.Delete(k)
		}
	}
	return err
}

func badState(r *Run, want string) error {
	return fmt.Errorf("run %d is %s, %s: %w", r.ID, r.State, want, ErrBadState)
}

// newRunJSON encodes a new queued run (as EnqueueEvents makes it) the way
// json.Marshal(Run) does, from a part encoded before the write transaction
// (outside the writer, where the senders' goroutines share the CPU): the
// transaction only adds the run's id and creation time. A run of any
// other shape goes through json.Marshal.
type newRunJSON struct {
	trigger string // the trigger type mid was encoded with
	mid     []byte // "integrationId":…,"attempt":0 (without braces)
}

// newRunMiddle is what json.Marshal writes of a new queued run between its
// id and its nextDue, in the same order (see Run).
type newRunMiddle struct {
	IntegrationID string          `json:"integrationId"`
	Trigger       string          `json:"trigger"`
	Event         json.RawMessage `json:"event"`
	DedupeKey     string          `json:"dedupeKey,omitempty"`
	State         RunState        `json:"state"`
	Attempt       int             `json:"attempt"`
}

func prepareNewRun(integrationID, trigger string, ev NewEvent) (newRunJSON, error) {
	b, err := json.Marshal(newRunMiddle{IntegrationID: integrationID, Trigger: trigger, Event: ev.Payload, DedupeKey: ev.DedupeKey, State: RunQueued})
	if err != nil {
		return newRunJSON{}, err
	}
	return newRunJSON{trigger: trigger, mid: b[1 : len(b)-1]}, nil
}

// encode is json.Marshal of the new run with this id, created at now
// (NextDue, CreatedAt and UpdatedAt), Manual as given.
func (p newRunJSON) encode(id RunID, now time.Time, manual bool) ([]byte, error) {
	t, err := now.MarshalJSON()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(`{"id":,,"nextDue":,"createdAt":,"updatedAt":,"manual":true}`)+20+len(p.mid)+3*len(t))
	b = strconv.AppendUint(append(b, `{"id":`...), uint64(id), 10)
	b = append(append(b, ','), p.mid...)
	b = append(append(b, `,"nextDue":`...), t...)
	b = append(append(b, `,"createdAt":`...), t...)
	b = append(append(b, `,"updatedAt":`...), t...)
	if manual {
		b = append(b, `,"manual":true`...)
	}
	return append(b, '}'), nil
}
