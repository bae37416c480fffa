package storage

import (
	"errors"
	"testing"
	"time"
)

func TestTriggerHealthIsWrittenOnlyOnChange(t *testing.T) {
	s, clock := openTest(t)
	in := newIntegration(t, s, true)
	at := clock.Now()
	failing := TriggerHealth{State: HealthFailing, LastError: "connection refused", LastErrorAt: at, Failures: 1, NextPollAt: at.Add(time.Second)}
	wrote, err := s.SetTriggerHealth(in.ID, failing)
	if err != nil || !wrote {
		t.Fatalf("first health: wrote=%v %v", wrote, err)
	}
	st := s.db.Stats()
	before := st.TxStats.GetWrite()
	again := failing
	again.NextPollAt = at.Add(2 * time.Second) // polled again, nothing else new
	if wrote, err := s.SetTriggerHealth(in.ID, again); err != nil || wrote {
		t.Fatalf("a health that only moved its next poll must not be written: wrote=%v %v", wrote, err)
	}
	if wrote, _ := s.SetTriggerHealth(in.ID, again); wrote {
		t.Fatal("the same health written twice")
	}
	if st := s.db.Stats(); st.TxStats.GetWrite() != before {
		t.Fatalf("unchanged health cost %d page writes", st.TxStats.GetWrite()-before)
	}
	if got, _ := s.TriggerHealth(in.ID); !got.NextPollAt.Equal(again.NextPollAt) {
		t.Fatalf("reads see the latest next poll: %+v", got)
	}
	second := again
	second.Failures, second.LastError = 2, "timeout"
	if wrote, err := s.SetTriggerHealth(in.ID, second); err != nil || !wrote {
		t.Fatalf("a new failure must be written: %v %v", wrote, err)
	}
	if _, err := s.SetTriggerHealth("int_nope", failing); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown integration: %v", err)
	}

	path := s.Path()
	s.Close()
	s2, err := Open(path, Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.TriggerHealth(in.ID)
	if err != nil || got.State != HealthFailing || got.Failures != 2 || got.LastError != "timeout" || !got.LastErrorAt.Equal(at) {
		t.Fatalf("health after reopen: %+v %v", got, err)
	}
	all, _ := s2.TriggerHealths()
	if len(all) != 1 || all[in.ID].Failures != 2 {
		t.Fatalf("TriggerHealths: %+v", all)
	}
	if err := s2.DeleteIntegration(in.ID); err != nil {
		t.Fatal(err)
	}
	if all, _ := s2.TriggerHealths(); len(all) != 0 {
		t.Fatalf("a deleted integration keeps its health: %+v", all)
	}
}
