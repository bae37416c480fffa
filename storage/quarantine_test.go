package storage

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// dispatchAll starts every due run the store lets start, oldest due first,
// as the scheduler does, and returns those it started.
func dispatchAll(t *testing.T, s *Store) []RunID {
	t.Helper()
	due, err := s.DueRuns(time.Now().Add(time.Second), 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	var started []RunID
	for _, r := range due {
		_, err := s.StartRun(r.ID)
		switch {
		case err == nil:
			started = append(started, r.ID)
		case !errors.Is(err, ErrBadState):
			t.Fatal(err)
		}
	}
	return started
}

// A poison run is the one that keeps killing the process, not the runs
// that happened to run beside it: after a crash that cut off several runs,
// each runs alone, one at a time, and only a crash of a run that ran alone
// counts towards failing it. The poison fails after PoisonLimit such
// crashes; the runs beside it complete.
func TestPoisonRuleSparesRunsThatRanBesideIt(t *testing.T) {
	s, _ := openTest(t)
	in := twoStepIntegration(t, s)
	ids := enqueue(t, s, in.ID, "a", "b", "c", "poison", "d")
	poison := ids[3]
	if got := dispatchAll(t, s); len(got) != len(ids) {
		t.Fatalf("before any crash every run starts: %v", got)
	}
	crashes := 0
	for crashes < 10 {
		s = crash(t, s) // the poison takes the process down with whatever runs beside it
		crashes++
		if _, err := s.RecoverInterrupted(); err != nil {
			t.Fatal(err)
		}
		if r, _ := s.Run(poison); r.State == RunFailed {
			break
		}
		for {
			started := dispatchAll(t, s)
			if len(started) == 0 {
				t.Fatal("nothing starts: the quarantine holds every run")
			}
			if len(started) > 1 {
				t.Fatalf("after a crash the runs it cut off start one at a time; %v started together", started)
			}
			if started[0] == poison {
				break // and it crashes
			}
			if _, err := s.SucceedRun(started[0]); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, id := range ids {
		r, _ := s.Run(id)
		switch {
		case id == poison && (r.State != RunFailed || !strings.Contains(r.Error.Message, "interrupted 3 times")):
			t.Errorf("the poison run: %s %+v", r.State, r.Error)
		case id != poison && r.State == RunFailed:
			t.Errorf("run %d, innocent, failed: %s", id, r.Error.Message)
		}
	}
	if crashes != 1+PoisonLimit {
		t.Errorf("%d crashes; want the first and then %d of the poison alone", crashes, PoisonLimit)
	}
}

// While the runs a crash cut off wait for their turn alone, runs queued
// before them still start; later ones wait; a suspect cancelled meanwhile
// (its integration switched OFF) holds nothing back.
func TestQuarantineKeepsOlderRunsGoingAndNeverWedges(t *testing.T) {
	s, _ := openTest(t)
	in := twoStepIntegration(t, s)
	ids := enqueue(t, s, in.ID, "a", "b")
	dispatchAll(t, s)
	older := enqueue(t, s, in.ID, "queued-before-the-crash")[0]
	s = crash(t, s)
	if _, err := s.RecoverInterrupted(); err != nil {
		t.Fatal(err)
	}
	later := enqueue(t, s, in.ID, "after-the-crash")[0]
	if _, err := s.StartRun(later); !errors.Is(err, ErrBadState) {
		t.Fatalf("a run queued after the crash starts before the runs it cut off: %v", err)
	}
	if _, err := s.StartRun(older); err != nil {
		t.Fatalf("a run queued before the crash: %v", err)
	}
	if _, err := s.StartRun(ids[0]); !errors.Is(err, ErrBadState) {
		t.Fatalf("a suspect starts beside another run: %v", err)
	}
	if _, err := s.SucceedRun(older); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CancelRun(ids[0], "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartRun(ids[1]); err != nil {
		t.Fatalf("the other suspect, alone: %v", err)
	}
	if err := s.SaveStep(ids[1], StepResult{StepID: "find", Succeeded: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartRun(later); err != nil {
		t.Fatalf("once the suspects have run, the rest starts: %v", err)
	}
}
