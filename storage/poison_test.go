package storage

import (
	"errors"
	bolt "go.etcd.io/bbolt"
	"strings"
	"testing"
	"time"
)

// crash closes s as a kill would leave it (nothing finished) and reopens it.
func crash(t *testing.T, s *Store) *Store {
	t.Helper()
	path := s.Path()
	s.Close()
	s2, err := Open(path, Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s2.Close() })
	return s2
}

func twoStepIntegration(t *testing.T, s *Store) Integration {
	t.Helper()
	in, err := s.CreateIntegration(Integration{Name: "Onboard", Trigger: Trigger{Type: "webhook"},
		Steps: []Step{{ID: "find", Action: "okta.get_user"}, {ID: "create", Action: "okta.add_user"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetEnabled(in.ID, true, time.Time{}); err != nil {
		t.Fatal(err)
	}
	return in
}

func TestPoisonRunFailsAfterRepeatedInterruptions(t *testing.T) {
	s, _ := openTest(t)
	in := twoStepIntegration(t, s)
	id := enqueue(t, s, in.ID, "a")[0]
	if _, err := s.StartRun(id); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveStep(id, StepResult{StepID: "find", Succeeded: true}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= PoisonLimit; i++ {
		s = crash(t, s) // the process dies while "create" runs
		rec, err := s.RecoverInterrupted()
		if err != nil {
			t.Fatal(err)
		}
		r, _ := s.Run(id)
		if i < PoisonLimit {
			if len(rec.Requeued) != 1 || r.State != RunQueued || r.Interruptions != i || r.InterruptedStep != "create" {
				t.Fatalf("interruption %d: %+v, run %+v", i, rec, r)
			}
			if _, err := s.StartRun(id); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if len(rec.Failed) != 1 || r.State != RunFailed || r.Error == nil ||
			!strings.Contains(r.Error.Message, "interrupted 3 times while running step create") {
			t.Fatalf("a run interrupted %d times must fail naming the step: %+v %+v", i, rec, r.Error)
		}
	}
	// A user's retry starts afresh.
	r, err := s.RequeueRun(id)
	if err != nil || r.Interruptions != 0 {
		t.Fatalf("retry: %+v %v", r, err)
	}
}

func TestInterruptionsCountPerStep(t *testing.T) {
	s, _ := openTest(t)
	in := twoStepIntegration(t, s)
	id := enqueue(t, s, in.ID, "a")[0]
	s.StartRun(id)
	s = crash(t, s) // on "find"
	s.RecoverInterrupted()
	s.StartRun(id)
	s = crash(t, s) // on "find" again
	s.RecoverInterrupted()
	s.StartRun(id)
	s.SaveStep(id, StepResult{StepID: "find", Succeeded: true})
	s = crash(t, s) // on "create": progress, so not a poison run yet
	rec, _ := s.RecoverInterrupted()
	r, _ := s.Run(id)
	if len(rec.Requeued) != 1 || r.Interruptions != 1 || r.InterruptedStep != "create" {
		t.Fatalf("a run that got further starts counting again: %+v %+v", rec, r)
	}
}

func TestOrphansOfAnOffIntegrationAreCancelled(t *testing.T) {
	s, _ := openTest(t)
	in := twoStepIntegration(t, s)
	ids := enqueue(t, s, in.ID, "a", "b")
	if _, err := s.StartRun(ids[0]); err != nil {
		t.Fatal(err)
	}
	manual, err := s.EnqueueEvents(in.ID, []NewEvent{{Payload: []byte(`{}`)}}, EnqueueOptions{AllowOff: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartRun(manual[0].RunID); err != nil {
		t.Fatal(err)
	}
	n, err := s.SetEnabled(in.ID, false, time.Time{})
	if err != nil || n != 1 { // "b"; the running ones go on
		t.Fatalf("switch OFF cancelled %d (%v), want 1", n, err)
	}
	s = crash(t, s)
	rec, err := s.RecoverInterrupted()
	if err != nil || len(rec.Cancelled) != 1 || rec.Cancelled[0] != ids[0] || len(rec.Requeued) != 1 || rec.Requeued[0] != manual[0].RunID {
		t.Fatalf("recovery: %+v %v (the trigger's orphan is cancelled, the manual run resumes)", rec, err)
	}
	r, _ := s.Run(ids[0])
	if r.State != RunCancelled || !strings.Contains(r.Error.Message, "switched OFF") {
		t.Fatalf("orphan of an OFF integration: %+v", r)
	}
}

func TestARunningRunOfAnIntegrationSwitchedOffIsNotRetried(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	ids := enqueue(t, s, in.ID, "a", "b")
	s.StartRun(ids[0])
	s.StartRun(ids[1])
	if _, err := s.SetEnabled(in.ID, false, time.Time{}); err != nil {
		t.Fatal(err)
	}
	r, err := s.RetryRun(ids[0], time.Now().Add(time.Minute), &StepError{Message: "503"})
	if err != nil || r.State != RunCancelled {
		t.Fatalf("retry after OFF: %+v %v", r.State, err)
	}
	r, err = s.WaitRun(ids[1], time.Now().Add(time.Minute), &StepError{Message: "429"})
	if err != nil || r.State != RunCancelled {
		t.Fatalf("wait after OFF: %+v %v", r.State, err)
	}
	if due, _ := s.DueRuns(time.Now().Add(time.Hour), 10, nil); len(due) != 0 {
		t.Fatalf("an OFF integration keeps pending runs: %d", len(due))
	}
}

func TestSwitchOffCancelsALargeBacklogAndNothingStartsMeanwhile(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	keys := make([]string, 2*maxRunsPerTx+10)
	for i := range keys {
		keys[i] = "k" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
	}
	ids := enqueue(t, s, in.ID, keys...)
	n, err := s.SetEnabled(in.ID, false, time.Time{})
	if err != nil || n != len(ids) {
		t.Fatalf("cancelled %d of %d: %v", n, len(ids), err)
	}
	if counts, _ := s.RunCounts(); counts[RunCancelled] != len(ids) || counts[RunQueued] != 0 {
		t.Fatalf("counts: %v", counts)
	}

	// A crash between the switch and the last chunk leaves runs queued
	// under an OFF integration: they are cancelled when claimed, never run.
	in2 := newIntegration(t, s, true)
	left := enqueue(t, s, in2.ID, "x", "y")
	off, _ := s.Integration(in2.ID)
	off.Enabled = false
	if err := s.db.Update(func(tx *bolt.Tx) error { return s.putIntegration(tx, off) }); err != nil {
		t.Fatal(err)
	}
	r, err := s.StartRun(left[0])
	if !errors.Is(err, ErrBadState) || r.State != RunCancelled {
		t.Fatalf("start under an OFF integration: %+v %v", r.State, err)
	}
}
