package engine

import (
	"context"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// TestRateLimitHoldsOnlyTheBucketsAStepUses: a 429 on one bucket holds the
// runs whose next step calls it, not everything on the account.
func TestRateLimitHoldsOnlyTheBucketsAStepUses(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	in, err := h.e.Import(context.Background(), []byte(onboarding))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := h.store.Account("sandbox")
	r := storage.Run{IntegrationID: in.ID}
	now := time.Now()
	s := h.e.sched
	if _, held := s.accountWait(r, &in, now); held {
		t.Fatal("held with no wait")
	}
	s.holdBucket(a.ID, okta.BucketLogs, now.Add(time.Minute))
	if _, held := s.accountWait(r, &in, now); held {
		t.Fatal("a System Log wait held a user action")
	}
	s.holdBucket(a.ID, okta.BucketUsers, now.Add(time.Minute))
	until, held := s.accountWait(r, &in, now)
	if !held || !until.Equal(now.Add(time.Minute)) {
		t.Fatalf("a users-bucket wait must hold add_user: %v %v", until, held)
	}
	if _, held := s.accountWait(r, &in, now.Add(2*time.Minute)); held {
		t.Fatal("still held after the reset")
	}
}
