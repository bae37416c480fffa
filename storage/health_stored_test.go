package storage

import (
	"testing"
	"time"
)

// What a trigger's health says must survive the process that polls: the
// start of a failing streak and the warnings of a working trigger are
// stored with the rest, so that a CLI run after serve stopped (or another
// start) shows them as serve did.
func TestFailingSinceAndWarningsAreStored(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	path := s.Path()
	since := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	h := TriggerHealth{State: HealthFailing, LastError: "connection refused", LastErrorAt: since.Add(5 * time.Minute), Failures: 4,
		FailingSince: since}
	if _, err := s.SetTriggerHealth(in.ID, h); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err := reopen(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.TriggerHealth(in.ID)
	if err != nil || !got.FailingSince.Equal(since) {
		t.Fatalf("after reopening: failing since %v (%v), want %v", got.FailingSince, err, since)
	}

	// A good poll with a warning: the state did not change, but the
	// warning is news and is written.
	w := TriggerWarning{Integration: in.ID, Reason: "bad_row", File: "hires.csv", Line: 3, Message: "hires.csv line 3: wrong number of fields", At: since}
	ok := TriggerHealth{State: HealthOK, LastOKAt: since.Add(time.Hour), Warnings: []TriggerWarning{w}}
	if _, err := s.SetTriggerHealth(in.ID, ok); err != nil {
		t.Fatal(err)
	}
	wrote, err := s.SetTriggerHealth(in.ID, TriggerHealth{State: HealthOK, LastOKAt: since.Add(time.Hour + time.Second), Warnings: []TriggerWarning{w}})
	if err != nil || wrote {
		t.Fatalf("the same warnings again: wrote=%v err=%v (a steady poll must cost no commit)", wrote, err)
	}
	s.Close()
	if s, err = reopen(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, _ = s.TriggerHealth(in.ID)
	if len(got.Warnings) != 1 || got.Warnings[0].Line != 3 || got.Warnings[0].File != "hires.csv" || !got.FailingSince.IsZero() {
		t.Fatalf("after reopening: %+v", got)
	}
}
