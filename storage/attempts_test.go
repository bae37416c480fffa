package storage

import (
	"testing"
	"time"
)

// A retried run keeps each attempt: its number, when it started and ended,
// how it ended, its error, the step it failed on and the version of the
// integration it ran.
func TestRunKeepsEachAttempt(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	if in.Version != 1 {
		t.Fatalf("a new integration is at version %d, want 1", in.Version)
	}
	id := enqueue(t, s, in.ID, "k1")[0]

	if _, err := s.StartRun(id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinishRun(id, Outcome{State: RunRetrying, Due: time.Now(), Cause: &StepError{Message: "step create: 503"}}.OnStep("create")); err != nil {
		t.Fatal(err)
	}
	// The definition changes between the attempts: version 2.
	in.Steps[0].Fields = map[string]string{"login": "{{ trigger.email }}"}
	in2, err := s.UpdateIntegration(in)
	if err != nil {
		t.Fatal(err)
	}
	if in2.Version != 2 {
		t.Fatalf("after an edit the version is %d, want 2", in2.Version)
	}
	if again, err := s.UpdateIntegration(in2); err != nil || again.Version != 2 {
		t.Fatalf("saving the same definition again: version %d, %v; want 2 (nothing changed)", again.Version, err)
	}
	if _, err := s.StartRun(id); err != nil {
		t.Fatal(err)
	}
	r, err := s.FinishRun(id, Outcome{State: RunFailed, Cause: &StepError{Message: "step create: 400 bad login", Status: 400}}.OnStep("create"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Attempts) != 2 {
		t.Fatalf("attempts: %+v, want 2", r.Attempts)
	}
	a1, a2 := r.Attempts[0], r.Attempts[1]
	if a1.N != 1 || a1.Version != 1 || a1.End != AttemptRetrying || a1.Step != "create" || a1.Error == nil || a1.Error.Message != "step create: 503" {
		t.Errorf("first attempt: %+v", a1)
	}
	if a2.N != 2 || a2.Version != 2 || a2.End != AttemptFailed || a2.Error == nil || a2.Error.Status != 400 {
		t.Errorf("second attempt: %+v", a2)
	}
	if a1.StartedAt.IsZero() || a1.FinishedAt.Before(a1.StartedAt) || a2.FinishedAt.IsZero() {
		t.Errorf("attempt times: %+v %+v", a1, a2)
	}
	if r.Version != 2 {
		t.Errorf("the run ran version %d last, want 2", r.Version)
	}

	// A user's retry goes on numbering: attempt 3, whatever the budget.
	if _, err := s.RequeueRun(id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartRun(id); err != nil {
		t.Fatal(err)
	}
	r, err = s.SucceedRun(id)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.Attempts); n != 3 || r.Attempts[2].N != 3 || r.Attempts[2].End != AttemptSucceeded || r.Attempts[2].Error != nil {
		t.Fatalf("after a retry: %+v", r.Attempts)
	}
	// Read back from disk, not from the returned copy.
	got, err := s.Run(id)
	if err != nil || len(got.Attempts) != 3 || got.Attempts[0].Error.Message != "step create: 503" {
		t.Fatalf("stored: %+v %v", got.Attempts, err)
	}
}

// An attempt cut off by a crash says so once the run is recovered.
func TestRecoveredAttemptSaysInterrupted(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	id := enqueue(t, s, in.ID, "k1")[0]
	if _, err := s.StartRun(id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecoverInterrupted(); err != nil {
		t.Fatal(err)
	}
	r, err := s.Run(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Attempts) != 1 || r.Attempts[0].End != AttemptInterrupted || r.Attempts[0].FinishedAt.IsZero() || r.Attempts[0].Step != "create" {
		t.Fatalf("attempts after recovery: %+v", r.Attempts)
	}
}

// The history is bounded: a run retried again and again keeps its latest
// attempts, numbered as they were.
func TestAttemptHistoryIsBounded(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	id := enqueue(t, s, in.ID, "k1")[0]
	for range MaxAttemptsKept + 5 {
		if _, err := s.StartRun(id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FailRun(id, &StepError{Message: "no"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RequeueRun(id); err != nil {
			t.Fatal(err)
		}
	}
	r, _ := s.Run(id)
	if len(r.Attempts) != MaxAttemptsKept || r.Attempts[0].N != 6 || r.Attempts[len(r.Attempts)-1].N != MaxAttemptsKept+5 {
		t.Fatalf("kept %d attempts, first %d", len(r.Attempts), r.Attempts[0].N)
	}
}
