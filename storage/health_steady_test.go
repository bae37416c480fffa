package storage

import (
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A healthy trigger polling again and again costs no commit: the time of
// its last good poll is kept in memory and stored at most hourly; a
// change of state, error or failure count is stored at once.
func TestSteadyPollingCostsNoCommit(t *testing.T) {
	s, clock := openTest(t)
	in := newIntegration(t, s, true)
	at := clock.Now()
	ok := TriggerHealth{State: HealthOK, LastOKAt: at, NextPollAt: at.Add(time.Minute)}
	if wrote, err := s.SetTriggerHealth(in.ID, ok); err != nil || !wrote {
		t.Fatalf("first health: %v %v", wrote, err)
	}
	before := s.WriteStats().Commits
	for i := 1; i <= 50; i++ {
		poll := at.Add(time.Duration(i) * time.Minute)
		h := TriggerHealth{State: HealthOK, LastOKAt: poll, NextPollAt: poll.Add(time.Minute)}
		if wrote, err := s.SetTriggerHealth(in.ID, h); err != nil || wrote {
			t.Fatalf("good poll %d: wrote=%v %v", i, wrote, err)
		}
	}
	if n := s.WriteStats().Commits - before; n != 0 {
		t.Fatalf("50 good polls cost %d commits", n)
	}
	if got, _ := s.TriggerHealth(in.ID); !got.LastOKAt.Equal(at.Add(50 * time.Minute)) {
		t.Fatalf("reads see the last good poll: %+v", got)
	}
	later := at.Add(61 * time.Minute)
	if wrote, _ := s.SetTriggerHealth(in.ID, TriggerHealth{State: HealthOK, LastOKAt: later, NextPollAt: later.Add(time.Minute)}); !wrote {
		t.Fatal("the last good poll is stored at least hourly")
	}
	fail := TriggerHealth{State: HealthFailing, LastOKAt: later, LastError: "timeout", LastErrorAt: later.Add(time.Minute), Failures: 1}
	if wrote, _ := s.SetTriggerHealth(in.ID, fail); !wrote {
		t.Fatal("a failure is stored at once")
	}
	fail.Failures, fail.LastErrorAt = 2, later.Add(2*time.Minute)
	if wrote, _ := s.SetTriggerHealth(in.ID, fail); !wrote {
		t.Fatal("another failure is stored at once")
	}
	back := TriggerHealth{State: HealthOK, LastOKAt: later.Add(3 * time.Minute), LastError: "timeout", LastErrorAt: fail.LastErrorAt}
	if wrote, _ := s.SetTriggerHealth(in.ID, back); !wrote {
		t.Fatal("a recovery is stored at once")
	}
}

// Readers of trigger health never wait for a health write's commit.
func TestTriggerHealthReadsDoNotWaitForACommit(t *testing.T) {
	s, clock := openTest(t)
	in := newIntegration(t, s, true)
	release := make(chan struct{})
	blocked := make(chan struct{})
	go s.update(func(*bolt.Tx) error { close(blocked); <-release; return nil }) // holds the writer
	<-blocked
	defer close(release)
	wrote := make(chan error, 1)
	go func() {
		_, err := s.SetTriggerHealth(in.ID, TriggerHealth{State: HealthFailing, LastError: "refused", LastErrorAt: clock.Now(), Failures: 1})
		wrote <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the write reach the writer; a read that comes first proves nothing but fails nothing
	read := make(chan struct{})
	go func() { s.TriggerHealths(); s.TriggerHealth(in.ID); close(read) }()
	select {
	case <-read:
	case err := <-wrote:
		t.Fatalf("the health write finished while the writer was held: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("reading trigger health waited for a commit")
	}
}
