package engine

import (
	"context"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// "Failing since" is the first failure of the current streak, not the
// latest: /healthz's failing_since and the health's FailingSince keep the
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
	ev := nextHealth(t, events, in.ID)
	for ev.State != TriggerFailing {
		ev = nextHealth(t, events, in.ID)
	}
	first := ev.LastErrorAt
	waitUntil(t, func() bool { hl, _ := h.e.TriggerHealth(in.ID); return hl.Failures >= 3 })
	hl, _ := h.e.TriggerHealth(in.ID)
	if since := failingSince(h.e, in.ID); !since.Equal(first) || !hl.LastErrorAt.After(since) {
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
	if since := failingSince(h.e, in.ID); !since.IsZero() {
		t.Fatalf("after recovery: failing since %v", since)
	}
}

// failingSince is when a trigger's failing streak began, as its health
// says (zero when it is not failing).
func failingSince(e *Engine, id string) time.Time {
	if h, _ := e.TriggerHealth(id); h.State == TriggerFailing {
		return h.FailingSince
	}
	return time.Time{}
}
