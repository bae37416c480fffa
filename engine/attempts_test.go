package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// A run that fails, is retried and succeeds keeps each attempt: the first
// one's error and the step it failed on, and the version of the
// integration each ran (the definition was edited in between).
func TestRetriedRunKeepsEachAttempt(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	h.start()
	in := h.importOn(onboarding)
	h.sim.SetFaults(1, 0, 0) // every request: 500 E0000009, a transient error
	_, a := h.post(in.ID, "change-me-0123456789", person(1))
	if len(a.Runs) != 1 {
		t.Fatalf("POST: %+v", a)
	}
	id := a.Runs[0]
	waitUntil(t, func() bool { r, _ := h.store.Run(id); return r.State == storage.RunRetrying })

	cur, err := h.store.Integration(in.ID)
	if err != nil {
		t.Fatal(err)
	}
	cur.Description = "edited while the run waited to retry"
	if _, err := h.e.SaveIntegration(context.Background(), cur); err != nil {
		t.Fatal(err)
	}
	h.sim.SetFaults(0, 0, 0)
	waitUntil(t, func() bool { r, _ := h.store.Run(id); return r.State == storage.RunSucceeded })

	r, err := h.store.Run(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Attempts) != 2 {
		t.Fatalf("attempts %+v, want 2", r.Attempts)
	}
	first, second := r.Attempts[0], r.Attempts[1]
	if first.End != storage.AttemptRetrying || first.Step != "create" || first.Error == nil || !strings.Contains(first.Error.Message, "step create") || first.Version != 1 {
		t.Errorf("first attempt %+v (error %+v)", first, first.Error)
	}
	if second.End != storage.AttemptSucceeded || second.Error != nil || second.Version != 2 || second.N != 2 {
		t.Errorf("second attempt %+v", second)
	}
	if !first.FinishedAt.After(first.StartedAt.Add(-time.Nanosecond)) || second.StartedAt.Before(first.FinishedAt) {
		t.Errorf("attempt times %+v", r.Attempts)
	}
}
