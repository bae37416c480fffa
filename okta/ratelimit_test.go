package okta

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 10, 44, 0, 500_000_000, time.UTC) // local start, mid-second

// rateHeader builds an answer's headers; date is the server's time.
func rateHeader(limit, remaining int, reset, date time.Time) http.Header {
	return http.Header{
		"Date":                   {date.UTC().Format(http.TimeFormat)},
		"X-Rate-Limit-Limit":     {strconv.Itoa(limit)},
		"X-Rate-Limit-Remaining": {strconv.Itoa(remaining)},
		"X-Rate-Limit-Reset":     {strconv.FormatInt(reset.Unix(), 10)},
	}
}

// admit acquires one request; pacing waits pass on the fake clock.
func admit(t *testing.T, l *limiter, bucket string) *ticket {
	t.Helper()
	tk, err := l.acquire(context.Background(), bucket)
	if err != nil {
		t.Fatal(err)
	}
	tk.sent = l.clk.Now()
	return tk
}

// plan asks the limiter what it would do now, delivering observer notes like acquire.
func plan(l *limiter, bucket string) (time.Duration, bool) {
	l.mu.Lock()
	w, u, notes := l.plan(l.bucket(bucket), l.clk.Now())
	l.mu.Unlock()
	l.notify(notes)
	return w, u
}

func TestLimiterProbesUnknownBucket(t *testing.T) {
	clk := newFakeClock(t0)
	l := newLimiter(clk, nil)
	probe := admit(t, l, BucketUsers)
	if _, untilChange := plan(l, BucketUsers); !untilChange {
		t.Fatal("a second request went out before the probe's answer taught the bucket's numbers")
	}
	if w, u := plan(l, BucketGroups); w != 0 || u {
		t.Fatal("another bucket must not wait for this probe")
	}
	clk.advance(10 * time.Millisecond)
	probe.done(200, rateHeader(200, 199, t0.Truncate(time.Second).Add(2*time.Second), t0), clk.Now())
	if _, untilChange := plan(l, BucketUsers); untilChange {
		t.Fatal("still probing after headers arrived")
	}
	// An answer without headers makes a bucket unmetered: no probing, no pacing.
	p := admit(t, l, "/api/v1")
	p.done(200, http.Header{}, clk.Now())
	for range 5 {
		admit(t, l, "/api/v1")
	}
	// A failed probe leaves the bucket unknown: the next request probes again; so does an
	// error page without headers.
	q := admit(t, l, BucketLogs)
	q.done(0, nil, clk.Now())
	q = admit(t, l, BucketLogs)
	q.done(502, http.Header{"Content-Type": {"text/html"}}, clk.Now())
	admit(t, l, BucketLogs)
	if _, untilChange := plan(l, BucketLogs); !untilChange {
		t.Error("a header-less 502 made the bucket unmetered")
	}
}

func TestLimiterSpreadsBudgetOverWindow(t *testing.T) {
	clk := newFakeClock(t0)
	l := newLimiter(clk, nil)
	reset := t0.Truncate(time.Second).Add(2 * time.Second) // server and local clocks agree
	tk := admit(t, l, BucketUsers)
	clk.advance(5 * time.Millisecond)
	tk.done(200, rateHeader(100, 99, reset, clk.Now()), clk.Now())

	if b := l.server.localAtLeast(reset); b.Before(reset) {
		t.Fatalf("boundary %v is before the server's reset %v with agreeing clocks", b, reset)
	}
	// Demand beyond the budget (1000 callers waiting for 99 requests): each admission waits
	// for its share of the time left, (spread end − now) / (avail+1).
	l.mu.Lock()
	l.bucket(BucketUsers).queued = 1000
	l.mu.Unlock()
	for i := 0; i < 99; i++ {
		wait, untilChange := plan(l, BucketUsers)
		if untilChange {
			t.Fatal("unexpected wait for an answer")
		}
		l.mu.Lock()
		b := l.bucket(BucketUsers)
		end := l.spreadEnd(b, clk.Now())
		want := max(b.lastAdmit.Add(end.Sub(clk.Now())/time.Duration(b.remaining-b.inflight+1)).Sub(clk.Now()), 0)
		l.mu.Unlock()
		if wait != want || wait <= 0 {
			t.Fatalf("request %d: wait %v; want %v > 0", i, wait, want)
		}
		clk.advance(wait)
		admit(t, l, BucketUsers) // in flight, never answered: still counted against the budget
	}
	boundary := l.server.localAtLeast(reset)
	if !clk.Now().Before(boundary) {
		t.Errorf("99 requests spread past the reset: %v ≥ %v", clk.Now(), boundary)
	}
	if elapsed := clk.Now().Sub(t0); elapsed < time.Second {
		t.Errorf("budget burst out in %v instead of being spread", elapsed)
	}
	// Budget spent (remaining 99, 99 in flight): wait for the reset, by the server's clock.
	wait, _ := plan(l, BucketUsers)
	if got := clk.Now().Add(wait); !got.Equal(boundary) {
		t.Fatalf("exhausted bucket waits until %v; want the boundary %v", got, boundary)
	}
}

func TestLimiterExhaustedWaitsForServerReset(t *testing.T) {
	for _, skew := range []time.Duration{0, 3700 * time.Millisecond, -2300 * time.Millisecond} {
		clk := newFakeClock(t0)
		var notes []BucketState
		var mu sync.Mutex
		l := newLimiter(clk, func(s BucketState) { mu.Lock(); notes = append(notes, s); mu.Unlock() })
		server := func() time.Time { return clk.Now().Add(skew) }
		reset := server().Truncate(time.Second).Add(10 * time.Second)
		// Several answers teach the clock offset; then the budget is spent.
		for i := range 30 {
			tk := admit(t, l, BucketUsers)
			clk.advance(2 * time.Millisecond)
			date := server()
			clk.advance(2 * time.Millisecond)
			tk.done(200, rateHeader(500, 499-i, reset, date), clk.Now())
			clk.advance(time.Duration(i%7) * 13 * time.Millisecond)
		}
		l.mu.Lock()
		l.bucket(BucketUsers).remaining = 0
		l.mu.Unlock()
		wait, _ := plan(l, BucketUsers)
		wake := clk.Now().Add(wait)
		if wake.Add(skew).Before(reset) {
			t.Errorf("skew %v: wakes at server time %v, before the reset %v", skew, wake.Add(skew), reset)
		}
		if late := wake.Add(skew).Sub(reset); late > time.Second {
			t.Errorf("skew %v: wakes %v after the reset", skew, late)
		}
		if len(notes) != 1 || !notes[0].WaitingUntil.Equal(wake) || notes[0].Bucket != BucketUsers {
			t.Fatalf("skew %v: observer got %+v; want one note waiting until %v", skew, notes, wake)
		}
		if s := l.snapshot(); len(s) != 1 || !s[0].WaitingUntil.Equal(wake) || s[0].Limit != 500 || s[0].Remaining != 0 ||
			s[0].ResetAt.Add(skew).Sub(reset).Abs() > 100*time.Millisecond {
			t.Errorf("skew %v: RateLimits() = %+v", skew, s)
		}
		// Past the reset the window rolls: the last known limit is assumed.
		clk.advance(wait)
		if w, u := plan(l, BucketUsers); w != 0 || u {
			t.Errorf("skew %v: after the reset still waiting %v/%v", skew, w, u)
		}
		if len(notes) != 2 || !notes[1].WaitingUntil.IsZero() || notes[1].Remaining != 500 {
			t.Errorf("skew %v: end of wait not observed: %+v", skew, notes)
		}
	}
}

func TestLimiterWindowRollover(t *testing.T) {
	clk := newFakeClock(t0)
	l := newLimiter(clk, nil)
	reset := t0.Truncate(time.Second).Add(time.Second)
	a := admit(t, l, BucketUsers)
	a.done(200, rateHeader(10, 0, reset, clk.Now()), clk.Now())
	wait, _ := plan(l, BucketUsers)
	clk.advance(wait)
	late := admit(t, l, BucketUsers) // first request of the new window
	b := admit(t, l, BucketUsers)
	// A late answer for the old window must not lower the assumed budget of the new one.
	b.done(200, rateHeader(10, 0, reset, reset.Add(-time.Millisecond)), clk.Now())
	l.mu.Lock()
	bk := l.bucket(BucketUsers)
	if !bk.rolled || bk.remaining != 10 {
		t.Fatalf("stale answer changed the rolled bucket: %+v", bk)
	}
	l.mu.Unlock()
	// The first answer from the new window takes over; later answers keep the minimum.
	newReset := reset.Add(2 * time.Second)
	late.done(200, rateHeader(10, 7, newReset, clk.Now()), clk.Now())
	c := admit(t, l, BucketUsers)
	c.done(200, rateHeader(10, 8, newReset, clk.Now()), clk.Now()) // reordered, higher: ignored
	l.mu.Lock()
	defer l.mu.Unlock()
	if bk.rolled || bk.remaining != 7 || !bk.reset.Equal(newReset) || bk.window < 2*time.Second {
		t.Fatalf("new window not adopted: %+v", bk)
	}
}

func TestLimiter429AndFailures(t *testing.T) {
	clk := newFakeClock(t0)
	l := newLimiter(clk, nil)
	reset := t0.Truncate(time.Second).Add(30 * time.Second)
	a := admit(t, l, BucketUsers)
	a.done(200, rateHeader(100, 90, reset, clk.Now()), clk.Now())
	get := func() (int, int) {
		l.mu.Lock()
		defer l.mu.Unlock()
		b := l.bucket(BucketUsers)
		return b.remaining, b.limit
	}
	f := admit(t, l, BucketUsers)
	f.done(0, nil, clk.Now()) // no answer: assume it was counted
	if r, _ := get(); r != 89 {
		t.Errorf("after a lost answer remaining = %d; want 89", r)
	}
	cc := admit(t, l, BucketUsers)
	cc.done(429, rateHeader(0, 0, reset, clk.Now()), clk.Now()) // concurrency limit: not this bucket
	if r, lim := get(); r != 89 || lim != 100 {
		t.Errorf("concurrency 429 changed the bucket: remaining %d limit %d", r, lim)
	}
	rl := admit(t, l, BucketUsers)
	h := rateHeader(100, 5, reset, clk.Now())
	rl.done(429, h, clk.Now()) // a bucket 429 means nothing is left, whatever Remaining says
	if r, _ := get(); r != 0 {
		t.Errorf("after a 429 remaining = %d; want 0", r)
	}
	w, _ := plan(l, BucketUsers)
	if boundary := l.server.localAtLeast(reset); !clk.Now().Add(w).Equal(boundary) {
		t.Errorf("after a 429 the next request goes at %v, not at the reset boundary %v", clk.Now().Add(w), boundary)
	}
}

func TestLimiterCountsInFlight(t *testing.T) {
	clk := newFakeClock(t0)
	l := newLimiter(clk, nil)
	reset := t0.Truncate(time.Second).Add(10 * time.Second)
	a := admit(t, l, BucketUsers)
	a.done(200, rateHeader(100, 3, reset, clk.Now()), clk.Now())
	for range 3 {
		admit(t, l, BucketUsers)
	}
	// Three in flight, three remaining: a fourth would overspend even if all were answered,
	// so it waits for the reset, not for a pacing gap.
	w, _ := plan(l, BucketUsers)
	if boundary := l.server.localAtLeast(reset); !clk.Now().Add(w).Equal(boundary) {
		t.Fatalf("fourth request allowed at %v, before the reset boundary %v, with the budget in flight", clk.Now().Add(w), boundary)
	}
}

func TestLimiterAcquireHonoursContext(t *testing.T) {
	l := newLimiter(realClock{}, nil)
	probe, err := l.acquire(context.Background(), BucketUsers)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := l.acquire(ctx, BucketUsers); errc <- err }()
	cancel()
	if err := <-errc; err != context.Canceled {
		t.Fatalf("acquire during a probe returned %v; want context.Canceled", err)
	}
	probe.done(0, nil, time.Now())
}
