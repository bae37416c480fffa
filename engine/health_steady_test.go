package engine

import (
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// Good polls after a good poll cost no commit (no fsync) in the engine's
// health book either; the health they report stays current.
func TestGoodPollsCostNoCommit(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	h.e.opts.AllowPrivateAddresses = true // the API is on loopback
	api := newFlakyAPI(t)
	in := h.importOn(pollDoc(api.URL))
	h.e.health.succeeded(in.ID, time.Second, nil) // the first good poll is news
	before := h.store.WriteStats().Commits
	for range 10 {
		h.e.health.succeeded(in.ID, time.Second, nil)
	}
	if n := h.store.WriteStats().Commits - before; n != 0 {
		t.Fatalf("10 good polls cost %d commits", n)
	}
	got, ok := h.e.TriggerHealth(in.ID)
	if !ok || got.State != TriggerOK || got.LastOKAt.IsZero() {
		t.Fatalf("health after good polls: %+v %v", got, ok)
	}
}
