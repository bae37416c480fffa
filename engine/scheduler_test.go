package engine

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/engine/action"
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
	if _, held := s.accountWait(s.planOf(r, &in, map[string]stepPlan{}, map[string]int{}), now); held {
		t.Fatal("held with no wait")
	}
	s.holdBucket(a.ID, okta.BucketLogs, now.Add(time.Minute))
	if _, held := s.accountWait(s.planOf(r, &in, map[string]stepPlan{}, map[string]int{}), now); held {
		t.Fatal("a System Log wait held a user action")
	}
	s.holdBucket(a.ID, okta.BucketUsers, now.Add(time.Minute))
	until, held := s.accountWait(s.planOf(r, &in, map[string]stepPlan{}, map[string]int{}), now)
	if !held || !until.Equal(now.Add(time.Minute)) {
		t.Fatalf("a users-bucket wait must hold add_user: %v %v", until, held)
	}
	if _, held := s.accountWait(s.planOf(r, &in, map[string]stepPlan{}, map[string]int{}), now.Add(2*time.Minute)); held {
		t.Fatal("still held after the reset")
	}
}

func TestRunsInFlightFollowTheLimit(t *testing.T) {
	const ceiling = 256
	cases := []struct {
		name    string
		p       pace
		atLeast int
		atMost  int
	}{
		// 100 req/s per bucket, two calls a run, 100 ms: 100 runs/s × 0.2 s = 20 in flight to reach the bound
		{"fast limit, 100 ms", pace{RoundTrip: 100 * time.Millisecond, Rate: 100, Calls: 2, MaxConcurrent: 75}, 20, 40},
		{"fast limit, 10 ms", pace{RoundTrip: 10 * time.Millisecond, Rate: 100, Calls: 2, MaxConcurrent: 75}, 2, 8},
		// 600 requests a minute: 10 runs/s × 0.2 s = 2
		{"slow limit, 100 ms", pace{RoundTrip: 100 * time.Millisecond, Rate: 10, Calls: 2, MaxConcurrent: 75}, 2, 8},
		// time off Okta (checkpoints) counts in W: 100 runs/s × (0.2 + 0.1) s = 30
		{"slow disk", pace{RoundTrip: 100 * time.Millisecond, OffOkta: 100 * time.Millisecond, Rate: 100, Calls: 2, MaxConcurrent: 75}, 30, 60},
		{"capped by the account's concurrency", pace{RoundTrip: 300 * time.Millisecond, Rate: 500, Calls: 2, MaxConcurrent: 35}, 35, 35},
		{"unknown yet", pace{MaxConcurrent: 75}, startRunsInFlight, startRunsInFlight},
		// 600 a minute, 100 ms, 500 of this window left and nobody else in the bucket: the
		// pacer lets them go at once, so as many runs as may be on the wire, not 4
		{"budget left goes at once", pace{RoundTrip: 100 * time.Millisecond, Rate: 10, Calls: 1, Burst: 500, MaxConcurrent: 50}, 50, 50},
		{"a small budget left", pace{RoundTrip: 100 * time.Millisecond, Rate: 10, Calls: 1, Burst: 20, MaxConcurrent: 50}, 20, 22},
	}
	for _, c := range cases {
		if n := runsInFlight(c.p, ceiling); n < c.atLeast || n > c.atMost {
			t.Errorf("%s: %d runs in flight, want %d..%d", c.name, n, c.atLeast, c.atMost)
		}
	}
	if n := runsInFlight(pace{RoundTrip: time.Second, Rate: 1000, Calls: 2, MaxConcurrent: 75}, 8); n != 8 {
		t.Errorf("the configured ceiling: %d", n)
	}
}

// TestConcurrencyGrowsWithTheLimit: with a generous rate limit and a slow
// org, one integration's backlog runs with more runs in flight than the
// old fixed four, because the limit allows it.
func TestConcurrencyGrowsWithTheLimit(t *testing.T) {
	var inflight, peak atomic.Int32
	h := newHarness(t, oktatest.Options{Latency: 30 * time.Millisecond, RateLimit: 2000, RateWindow: 2 * time.Second})
	h.e.sched.onStart = func() {
		n := inflight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
	}
	h.e.sched.onFinish = func() { inflight.Add(-1) }
	in := h.importOn(onboarding)
	h.start()
	batch := make([]any, 200)
	for i := range batch {
		batch[i] = person(i)
	}
	if resp, a := h.post(in.ID, hookSecret, batch); resp.StatusCode != 202 {
		t.Fatalf("POST: %d %+v", resp.StatusCode, a)
	}
	if counts := h.waitRuns(); counts[storage.RunSucceeded] != len(batch) {
		t.Fatalf("runs %v", counts)
	}
	if p := peak.Load(); p <= 4 {
		t.Fatalf("at most %d runs in flight: concurrency did not follow the limit", p)
	}
}

// TestBacklogAtItsLimitDoesNotWakeTheScheduler: new events of an
// integration found at its concurrency do not cost a dispatch each; those
// of another integration do.
func TestBacklogAtItsLimitDoesNotWakeTheScheduler(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	s := h.e.sched
	s.mu.Lock()
	s.held = map[string]bool{"int_busy": true}
	s.mu.Unlock()
	s.kickFor("int_busy")
	select {
	case <-s.kickCh:
		t.Fatal("an integration at its limit woke the scheduler")
	default:
	}
	s.kickFor("int_other")
	select {
	case <-s.kickCh:
	default:
		t.Fatal("another integration's events did not wake the scheduler")
	}
}

// TestRoomSkipsIntegrationsAtTheirLimit: the due index is asked for no run
// of an integration at its own or its account's concurrency, or whose
// account waits for a rate-limit reset, so a backlog is never read.
func TestRoomSkipsIntegrationsAtTheirLimit(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	in := h.importOn(onboarding)
	s := h.e.sched
	if n := s.room(in.ID); n != h.e.opts.Workers {
		t.Fatalf("an integration never seen: room %d, want every free worker", n)
	}
	s.learn(&in, map[string]stepPlan{}, map[string]int{})
	a, _ := h.store.Account("sandbox")
	s.mu.Lock()
	limit := s.known[in.ID].limit
	s.accounts[a.ID] = limit
	s.mu.Unlock()
	if n := s.room(in.ID); n != 0 {
		t.Fatalf("account at its limit %d: room %d", limit, n)
	}
	s.mu.Lock()
	s.accounts[a.ID] = 0
	s.mu.Unlock()
	s.holdBucket(a.ID, okta.BucketUsers, time.Now().Add(time.Minute))
	if n := s.room(in.ID); n != 0 {
		t.Fatalf("account waiting for a reset: room %d", n)
	}
}

// TestPaceCountsTheCallsARunMakes: W in Little's law counts the round trips
// of the buckets a step's runs have used, not every bucket its action may
// call: add_user is create-first, so a new user is one round trip (its
// lookup bucket only comes into play when a login exists).
func TestPaceCountsTheCallsARunMakes(t *testing.T) {
	h := newHarness(t, oktatest.Options{Latency: 5 * time.Millisecond})
	in := h.importOn(onboarding)
	h.start()
	if resp, a := h.post(in.ID, hookSecret, person(1)); resp.StatusCode != 202 {
		t.Fatalf("POST: %d %+v", resp.StatusCode, a)
	}
	if counts := h.waitRuns(); counts[storage.RunSucceeded] != 1 {
		t.Fatalf("runs %v", counts)
	}
	a, _ := h.store.Account("sandbox")
	act, _ := action.Lookup("okta.add_user")
	if p := h.e.sched.pace(a, act); p.Calls != 1 || p.Rate <= 0 || p.RoundTrip <= 0 {
		t.Fatalf("pace after one new user: %+v; want 1 call, a rate and a round trip", p)
	}
}
