package engine

import (
	"math"
	"sync"
	"time"
)

// Runs in flight per Okta account are sized from the account's limit, not
// fixed: the pacer in the Okta client decides when a request goes, and the
// scheduler only makes sure there are enough runs in flight for the pacer
// to spend the budget. By Little's law, runs in flight L = λ·W: λ the runs
// per second the org's rate limit allows, W the time one run spends on
// Okta (its round trips). For a step whose action calls buckets B, each
// once: λ = min over B of the bucket's requests per second, W = |B| × the
// measured round trip. L is then raised by half plus one (time spent off
// the network: mapping, checkpoints). While the window's budget left may go
// at once (the pacer sends demand that fits in it without spreading it:
// okta.BucketPace.Burst), that budget is the better L: a backlog that fits
// is spent in a few round trips instead of at the pace of the whole
// window. Either way L is capped by the account's concurrent-request limit
// and the configured ceiling.
const (
	// DefaultOktaConcurrency is the concurrent requests per Okta account
	// (Okta allows 75 at once on most plans, 35 on Integrator Free; this
	// leaves room for the org's other API clients).
	DefaultOktaConcurrency = 50
	// startRunsInFlight is an account's limit until its first answers say
	// what its rate limit and round trip are.
	startRunsInFlight = 4
	// littleHeadroom scales Little's law for time a run spends off the network.
	littleHeadroom = 1.5
)

// pace is what sizing an account's concurrency needs to know.
type pace struct {
	RoundTrip     time.Duration // measured Okta round trip (0: none yet)
	OffOkta       time.Duration // measured time a run spends off Okta (claim, checkpoints, finish)
	Rate          float64       // runs per second the step's buckets allow (0: unknown)
	Calls         int           // round trips one run makes (the step's buckets)
	Burst         int           // requests that may go at once now (the lowest of the step's buckets)
	MaxConcurrent int           // concurrent requests the account allows
}

// runsInFlight is the concurrency for p, at most ceiling (Little's law,
// above). W is the run's service time: its round trips plus its time off
// Okta, never the time it waits in the pacer (counting that would make
// the limit feed on itself). Two more per bucket keep a request ready for
// each of the pacer's slots while the others are on the wire.
func runsInFlight(p pace, ceiling int) int {
	limit := min(p.MaxConcurrent, ceiling)
	if limit <= 0 {
		limit = max(ceiling, 1)
	}
	if p.RoundTrip <= 0 || p.Rate <= 0 {
		return min(startRunsInFlight, limit)
	}
	calls := max(p.Calls, 1)
	w := float64(calls)*p.RoundTrip.Seconds() + max(p.OffOkta, 0).Seconds()
	n := int(math.Ceil(p.Rate*w*littleHeadroom)) + 2*calls
	return max(1, min(max(n, p.Burst), limit))
}

// ewmaWeight is the weight of the newest sample.
const ewmaWeight = 0.2

// ewma is an exponentially weighted moving average of durations.
type ewma struct {
	mu  sync.Mutex
	v   time.Duration
	set bool
}

func (a *ewma) observe(d time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.set {
		a.v, a.set = d, true
		return
	}
	a.v = time.Duration(float64(a.v)*(1-ewmaWeight) + float64(d)*ewmaWeight)
}

func (a *ewma) value() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.v
}
