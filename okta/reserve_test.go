package okta

import (
	"context"
	"testing"
	"time"
)

// setQueued pretends n callers are waiting in acquire for bucket.
func setQueued(l *limiter, bucket string, n int) {
	l.mu.Lock()
	l.bucket(bucket).queued = n
	l.mu.Unlock()
}

// Alone in a bucket (its numbers show only our own requests), the reserve has nobody to
// serve: demand that fits in the whole budget goes at once, so a run's last window is
// spent at the start, not stretched to its reset.
func TestLimiterAloneSpendsTheWholeBudgetAtOnce(t *testing.T) {
	clk := newFakeClock(t0)
	l, _ := metered(t, clk, 100, 99, 2*time.Second) // one request of ours: 99 left
	setQueued(l, BucketUsers, 99)
	if w, u := plan(l, BucketUsers); w != 0 || u {
		t.Fatalf("alone, demand 99 of 99 waits %v/%v; want at once", w, u)
	}
	setQueued(l, BucketUsers, 100)
	if w, _ := plan(l, BucketUsers); w <= 0 {
		t.Fatal("demand 100 beyond a budget of 99 was not paced")
	}
}

// Once the bucket's numbers show another API user (Remaining fell by more than our own
// requests), a burst leaves the reserve for them again.
func TestLimiterKeepsTheReserveWhenOthersUseTheBucket(t *testing.T) {
	clk := newFakeClock(t0)
	l, _ := metered(t, clk, 100, 90, 2*time.Second) // one of ours, nine of someone else's
	setQueued(l, BucketUsers, 85)                   // 90 − ceil(5% of 100)
	if w, u := plan(l, BucketUsers); w != 0 || u {
		t.Fatalf("demand 85 of 90 (reserve 5) waits %v/%v", w, u)
	}
	setQueued(l, BucketUsers, 86)
	if w, _ := plan(l, BucketUsers); w <= 0 {
		t.Fatal("demand 86 of 90 went at once though another user shares the bucket")
	}
}

// A run of exactly three windows' worth: the last window's requests go back to back from
// its start (no wait for its reset), and no 429.
func TestLastWindowIsNotStretched(t *testing.T) {
	s := &windowServer{clk: newFakeClock(t0), latency: 4 * time.Millisecond, limit: 100, window: 2 * time.Second}
	runPaced(t, s, 300)
	if s.limited != 0 || s.windows != 3 {
		t.Fatalf("%d answers were 429, %d windows", s.limited, s.windows)
	}
	if took := s.clk.Now().Sub(s.started); took > 100*s.latency+50*time.Millisecond {
		t.Errorf("the last window's 100 requests took %v; want about 100 round trips (%v)", took, 100*s.latency)
	}
}

// Pacing aims every request at being counted before the reset: the spread ends a round
// trip before the estimated reset, and a request that can no longer land in this window
// goes at once (it will count in the next one) instead of waiting for a share of the
// time left.
func TestPacingEndsARoundTripBeforeTheReset(t *testing.T) {
	clk := newFakeClock(t0)
	l, reset := metered(t, clk, 100, 99, time.Second)
	admittedAt := func(before time.Duration) {
		clk.advance(reset.Add(-before).Sub(clk.Now()))
		l.mu.Lock()
		b := l.bucket(BucketUsers)
		b.remaining, b.queued, b.rtt.v = 2, 10, 100*time.Millisecond // demand beyond the budget
		b.lastAdmit = clk.Now()                                      // one just went
		l.mu.Unlock()
	}
	admittedAt(400 * time.Millisecond)
	if w, _ := plan(l, BucketUsers); w <= 0 {
		t.Fatalf("400 ms before the reset with 2 left of a demand of 10, no pacing (wait %v)", w)
	}
	admittedAt(90 * time.Millisecond) // less than a round trip before the reset
	if w, u := plan(l, BucketUsers); w != 0 || u {
		t.Errorf("90 ms before the reset (round trip 100 ms) the next request still waits %v/%v", w, u)
	}
}

// A caller waiting for the reset because every unit was in flight is admitted as soon as
// answers show units left (the in-flight requests had already been counted), not at the
// reset: here the reset is 30 s away and the caller is admitted within its 5 s deadline.
func TestWaitForResetEndsWhenAnswersFreeUnits(t *testing.T) {
	l := newLimiter(realClock{}, nil)
	now := time.Now()
	reset := now.Truncate(time.Second).Add(30 * time.Second)
	l.mu.Lock()
	b := l.bucket(BucketUsers)
	b.mode, b.limit, b.remaining, b.reset, b.inflight = modeMetered, 100, 3, reset, 3
	l.mu.Unlock()
	admitted := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := l.acquire(ctx, BucketUsers)
		admitted <- err
	}()
	for l.queuedOf(BucketUsers) == 0 { // the caller is waiting
		time.Sleep(time.Millisecond)
	}
	for range 3 { // the three in flight answer: still 3 left, so they were counted already
		(&ticket{l: l, b: b, sent: now}).done(200, rateHeader(100, 3, reset, time.Now()), time.Now())
	}
	if err := <-admitted; err != nil {
		t.Fatalf("the caller was not admitted once 3 units showed free: %v", err)
	}
}

func (l *limiter) queuedOf(name string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bucket(name).queued
}
