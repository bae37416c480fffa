package okta

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

// metered returns a limiter whose bucket has seen one answer: limit L, remaining R, reset
// in resetIn, server and local clocks agreeing.
func metered(t *testing.T, clk *fakeClock, limit, remaining int, resetIn time.Duration) (*limiter, time.Time) {
	t.Helper()
	l := newLimiter(clk, nil)
	reset := clk.Now().Truncate(time.Second).Add(resetIn)
	tk := admit(t, l, BucketUsers)
	clk.advance(5 * time.Millisecond)
	tk.done(200, rateHeader(limit, remaining, reset, clk.Now()), clk.Now())
	return l, reset
}

// Demand that fits in the budget (less the reserve) goes at once: twenty callers arriving
// together are all admitted without any pacing wait.
func TestLimiterBurstsWhenDemandFits(t *testing.T) {
	clk := newFakeClock(t0)
	l, _ := metered(t, clk, 100, 99, 2*time.Second)
	start := clk.Now()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := l.acquire(context.Background(), BucketUsers); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if waited := clk.Now().Sub(start); waited != 0 {
		t.Errorf("20 requests with 99 left waited %v (sleeps %v); want none", waited, clk.slept())
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.bucket(BucketUsers); b.inflight != 20 || b.queued != 0 {
		t.Errorf("inflight %d queued %d", b.inflight, b.queued)
	}
}

// Demand beyond the budget less the reserve is paced evenly; the reserve is an option.
func TestLimiterPacesDemandBeyondBudget(t *testing.T) {
	clk := newFakeClock(t0)
	l, _ := metered(t, clk, 100, 99, 2*time.Second)
	l.mu.Lock()
	l.bucket(BucketUsers).othersAt = clk.Now() // another API user shares the bucket: the reserve is kept
	l.mu.Unlock()
	set := func(queued int) {
		l.mu.Lock()
		l.bucket(BucketUsers).queued = queued
		l.mu.Unlock()
	}
	set(94) // 99 − ceil(5% of 100)
	if w, u := plan(l, BucketUsers); w != 0 || u {
		t.Fatalf("demand 94 of 99 (reserve 5) waits %v/%v", w, u)
	}
	set(95)
	w, _ := plan(l, BucketUsers)
	l.mu.Lock()
	b := l.bucket(BucketUsers)
	want := b.lastAdmit.Add(l.spreadEnd(b, clk.Now()).Sub(clk.Now()) / 100).Sub(clk.Now())
	l.mu.Unlock()
	if w != want || w <= 0 {
		t.Errorf("demand 95 of 99 waits %v; want the even share %v", w, want)
	}
	l.reserve = 0
	if w, _ := plan(l, BucketUsers); w != 0 {
		t.Errorf("with no reserve demand 95 of 99 waits %v", w)
	}
	if _, err := NewClient("acme.okta.com", testToken, WithRateLimitReserve(1)); err == nil {
		t.Error("a reserve of the whole limit accepted")
	}
	c, err := NewClient("acme.okta.com", testToken, WithRateLimitReserve(0.2))
	if err != nil || c.lim.reserve != 0.2 {
		t.Errorf("WithRateLimitReserve(0.2): %v", err)
	}
}

// A small batch is not stretched over the window: 50 sequential creates with 100 left take
// 50 round trips, not half the window, and still meet no 429.
func TestSmallBatchIsNotStretched(t *testing.T) {
	s := &windowServer{clk: newFakeClock(t0), latency: 4 * time.Millisecond, limit: 100, window: 2 * time.Second}
	elapsed := runPaced(t, s, 50)
	if s.limited != 0 {
		t.Errorf("%d answers were 429", s.limited)
	}
	if elapsed > 50*s.latency+50*time.Millisecond {
		t.Errorf("50 creates took %v of virtual time; want about 50 round trips (%v)", elapsed, 50*s.latency)
	}
}

// After a 429 the wait ends a few milliseconds after the reset on the server's clock, not a
// whole second later.
func TestRateLimitWaitEndsJustAfterReset(t *testing.T) {
	clk := newFakeClock(t0)
	// The server's clock is 3.49 s ahead, so its Date ticks to a new second 10 ms in: the
	// client's offset estimate narrows to about a millisecond.
	server := func() time.Time { return clk.Now().Add(3490 * time.Millisecond) }
	reset := server().Truncate(time.Second).Add(5 * time.Second)
	var n int
	var mu sync.Mutex
	c, _ := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		first := n <= 20
		mu.Unlock()
		clk.advance(time.Millisecond)
		date := server()
		status, remaining := 200, 80
		if !first {
			status, remaining = 429, 0
		}
		if !date.Before(reset) {
			status, remaining = 200, 99
		}
		for k, v := range rateHeader(100, remaining, reset, date) {
			w.Header()[k] = v
		}
		if status == 429 {
			writeJSON(w, 429, okta("E0000047"))
			return
		}
		writeJSON(w, 200, `{"id":"00u1"}`)
	}, withClock(clk))
	ctx := context.Background()
	for range 20 { // teach the clock offset
		if _, err := c.GetUser(ctx, "00u1"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.GetUser(ctx, "00u1"); err != nil { // 429 (another client spent the budget), then wait
		t.Fatal(err)
	}
	late := server().Sub(reset)
	if late < 0 || late > 30*time.Millisecond {
		t.Errorf("retried %v after the reset on the server's clock; want a few ms", late)
	}
}

// Pace reports what the engine sizes its concurrency from.
func TestPace(t *testing.T) {
	s := &windowServer{clk: newFakeClock(t0), latency: 40 * time.Millisecond, limit: 100, window: 2 * time.Second}
	c, err := NewClient("https://acme.okta.com", testToken, WithHTTPClient(&http.Client{Transport: s}), withClock(s.clk), WithMaxConcurrency(7))
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Pace(); p.RoundTrip != 0 || p.Rate != 0 || p.MaxConcurrent != 7 || len(p.Buckets) != 0 {
		t.Fatalf("Pace before any request = %+v", p)
	}
	for range 10 {
		if _, err := c.CreateUser(context.Background(), CreateUserRequest{Profile: map[string]any{"login": "x"}}); err != nil {
			t.Fatal(err)
		}
	}
	p := c.Pace()
	if p.RoundTrip != 40*time.Millisecond || p.MaxConcurrent != 7 || len(p.Buckets) != 1 {
		t.Fatalf("Pace = %+v", p)
	}
	b := p.Buckets[0]
	if b.Bucket != BucketUsers || !b.Metered || b.RoundTrip != 40*time.Millisecond || b.Limit != 100 || b.Remaining != 90 ||
		b.Window < time.Second || b.Sustained != float64(b.Limit)/b.Window.Seconds() {
		t.Errorf("bucket pace %+v", b)
	}
	// 90 left with between 0.5 and 2 s to the reset: the rate allowed now is that budget over
	// the time left.
	if b.Rate < 45 || b.Rate > 180 || p.Rate != b.Rate || p.Sustained != b.Sustained {
		t.Errorf("rate now %.1f/s; want 90 over the time left (and the client's %+v the lowest)", b.Rate, p)
	}
	// Alone in the bucket, the whole budget left may go at once; once another user shows,
	// the reserve (5 of 100) is kept from it.
	if b.Burst != 90 || p.Burst != 90 {
		t.Errorf("burst %d (client %d); want the 90 left", b.Burst, p.Burst)
	}
	c.lim.mu.Lock()
	c.lim.bucket(BucketUsers).othersAt = s.clk.Now()
	c.lim.mu.Unlock()
	if p := c.Pace(); p.Buckets[0].Burst != 85 || p.Burst != 85 {
		t.Errorf("with another user: burst %d (client %d); want 90 less the reserve of 5", p.Buckets[0].Burst, p.Burst)
	}
}
