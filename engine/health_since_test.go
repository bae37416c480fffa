package engine

import (
	"context"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// "Failing since" is the first failure of the current streak, not the
// latest: /healthz's failing_since and Engine.TriggerFailingSince keep the
// time of the first failed poll while the polls go on failing, and a good
// poll ends the streak.
func TestFailingSinceIsTheFirstFailureOfTheStreak(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	h.e.opts.AllowPrivateAddresses = true // the flaky API is on loopback
	api := newFlakyAPI(t)
	in := h.importOn(pollDoc(api.URL))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := h.e.Subscribe(ctx)
	h.start()
	waitUntil(t, func() bool { hl, _ := h.e.TriggerHealth(in.ID); return !hl.LastOKAt.IsZero() })
	api.status.Store(500)
	var first time.Time
	for first.IsZero() {
		select {
		case ev := <-events:
			if ev.Kind == TriggerHealthChanged && ev.IntegrationID == in.ID && ev.Health != nil && ev.Health.State == TriggerFailing {
				first = ev.Health.LastErrorAt
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no failure")
		}
	}
	waitUntil(t, func() bool { hl, _ := h.e.TriggerHealth(in.ID); return hl.Failures >= 3 })
	hl, _ := h.e.TriggerHealth(in.ID)
	if since := h.e.TriggerFailingSince(in.ID); !since.Equal(first) || !hl.LastErrorAt.After(since) {
		t.Fatalf("failing since %v, first failure %v, last %v", since, first, hl.LastErrorAt)
	}
	var health struct {
		Triggers struct {
			Failing []struct {
				FailingSince time.Time `json:"failing_since"`
				LastErrorAt  time.Time `json:"last_error_at"`
			}
		}
	}
	getJSONBody(t, h.http.URL+"/healthz", &health)
	if len(health.Triggers.Failing) != 1 || !health.Triggers.Failing[0].FailingSince.Equal(first) || !health.Triggers.Failing[0].LastErrorAt.After(first) {
		t.Fatalf("/healthz %+v; want failing_since %v", health, first)
	}
	api.status.Store(200)
	waitUntil(t, func() bool { hl, _ := h.e.TriggerHealth(in.ID); return hl.State == TriggerOK })
	if since := h.e.TriggerFailingSince(in.ID); !since.IsZero() {
		t.Fatalf("after recovery: failing since %v", since)
	}
}
