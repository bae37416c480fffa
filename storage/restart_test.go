package storage

import (
	"errors"
	"testing"
	"time"
)

// RestartTrigger moves an ON integration's start point and forgets its
// cursor in one transaction, optionally with a new definition, keeping its
// dedupe keys and pending runs.
func TestRestartTrigger(t *testing.T) {
	s, clock := openTest(t)
	in := newIntegration(t, s, true)
	ids := enqueue(t, s, in.ID, "a")
	cur := "file:42"
	if _, err := s.EnqueueEvents(in.ID, nil, EnqueueOptions{Cursor: &cur}); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Hour)
	from := clock.Now().Add(-10 * time.Minute)
	def := in
	def.Trigger.Config = map[string]any{"path": "/feeds/b.csv"}
	got, err := s.RestartTrigger(in.ID, from, &def)
	if err != nil {
		t.Fatal(err)
	}
	if !got.EnabledAt.Equal(from) || !got.Enabled || got.Trigger.Config["path"] != "/feeds/b.csv" {
		t.Errorf("restarted: %+v", got)
	}
	if c, _ := s.Cursor(in.ID); c != "" {
		t.Errorf("cursor %q kept", c)
	}
	if seen, _ := s.Seen(in.ID, "a"); !seen {
		t.Error("the dedupe keys were forgotten: seen events would replay")
	}
	if r, _ := s.Run(ids[0]); r.State != RunQueued {
		t.Errorf("the pending run is %s", r.State)
	}
	stored, _ := s.Integration(in.ID)
	if stored.Trigger.Config["path"] != "/feeds/b.csv" || !stored.EnabledAt.Equal(from) {
		t.Errorf("stored: %+v", stored)
	}
	// Zero from: now. OFF: refused, nothing changed.
	if got, _ := s.RestartTrigger(in.ID, time.Time{}, nil); !got.EnabledAt.Equal(clock.Now()) {
		t.Errorf("from now: %v", got.EnabledAt)
	}
	off := newIntegration(t, s, false)
	if _, err := s.RestartTrigger(off.ID, time.Time{}, nil); !errors.Is(err, ErrIntegrationOff) {
		t.Errorf("an OFF integration: %v", err)
	}
	if _, err := s.RestartTrigger("int_nope", time.Time{}, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown: %v", err)
	}
}
