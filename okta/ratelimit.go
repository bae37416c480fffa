package okta

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Pacing: spend each bucket's budget evenly up to its reset, so that a healthy org never has
// to answer 429.
//
// Okta reports, on every response, the bucket's X-Rate-Limit-Limit (L), -Remaining (R) and
// -Reset (S, server epoch seconds). The limiter keeps per bucket the smallest R seen for the
// current S, the requests admitted but not yet answered (inflight), and the server clock
// offset (clock.go). Invariants:
//
//  1. A bucket never seen is probed: one request at a time until an answer carries headers
//     (a 2xx answer without them marks the bucket unmetered). No blind burst.
//  2. avail = R − inflight. Every unanswered request may still be counted by the server, every
//     answered one is already in R (R only falls within a window, so the minimum is kept and
//     a late, higher R is ignored). Admitting only while avail > 0 means we never send more
//     than the server said is left, whatever the concurrency.
//  3. Within a window, a request is admitted no sooner than lastAdmit + left/(avail+1), where
//     left is the local time until the reset: the budget is spread evenly over the time to
//     reset, the last request one share before it (one landing on the reset would count in
//     the next window and leave this one's last unit unused).
//  4. With avail ≤ 0, callers wait until the local instant at which the server's clock is
//     surely past S (S − lower offset bound), never by the local clock alone.
//  5. Past that instant the window has rolled: R is assumed to be the last known L until an
//     answer with a later S arrives (answers for the old S are then ignored). Until then the
//     budget is spread over the longest window seen (max Reset − Date). A rolled bucket is
//     never rolled again on an assumption: only a real later S starts a window.
//  6. A request that failed without an answer may have been counted: R is lowered by one.
//  7. A 429 with L > 0 sets R = 0 for its S (invariant 4 then holds everyone back); a 429
//     with L = 0 is Okta's concurrency limit and says nothing about the bucket.
type limiter struct {
	mu       sync.Mutex
	clk      clock
	server   serverClock
	buckets  map[string]*bucket
	observer func(BucketState)
}

type bucketMode int

const (
	modeUnknown   bucketMode = iota // no headers seen yet: probe
	modeMetered                     // headers seen: pace
	modeUnmetered                   // answered without headers: only the concurrency cap applies
)

type bucket struct {
	name      string
	mode      bucketMode
	limit     int
	remaining int           // smallest Remaining seen for reset (or limit once rolled)
	reset     time.Time     // server time at which the current (last known) window ends
	rolled    bool          // reset has passed; no answer from the new window yet
	rolledAt  time.Time     // local time of the first admission after rolling
	window    time.Duration // longest Reset − Date seen: the window length estimate
	inflight  int
	lastAdmit time.Time // local
	waiting   time.Time // local; when callers waiting for the reset expect to go (zero: none)
	changed   chan struct{}
}

// BucketState is a snapshot of one rate-limit bucket, for display. Times are local.
type BucketState struct {
	Bucket       string
	Limit        int       // requests per window (0 until known)
	Remaining    int       // estimated requests left in the window, in-flight ones deducted
	ResetAt      time.Time // when the window ends; zero when unknown
	WaitingUntil time.Time // requests wait for the window to reset until then; zero: no wait
}

func newLimiter(clk clock, observer func(BucketState)) *limiter {
	return &limiter{clk: clk, buckets: make(map[string]*bucket), observer: observer}
}

func (l *limiter) bucket(name string) *bucket {
	b := l.buckets[name]
	if b == nil {
		b = &bucket{name: name, changed: make(chan struct{})}
		l.buckets[name] = b
	}
	return b
}

// ticket is one admitted request; done must be called exactly once.
type ticket struct {
	l    *limiter
	b    *bucket
	sent time.Time
}

// acquire blocks until bucket admits one more request (or ctx ends).
func (l *limiter) acquire(ctx context.Context, name string) (*ticket, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		l.mu.Lock()
		b := l.bucket(name)
		now := l.clk.Now()
		wait, untilChange, notes := l.plan(b, now)
		if wait <= 0 && !untilChange {
			b.inflight++
			b.lastAdmit = now
			if b.rolled && b.rolledAt.IsZero() {
				b.rolledAt = now
			}
			l.mu.Unlock()
			l.notify(notes)
			return &ticket{l: l, b: b}, nil
		}
		changed := b.changed
		l.mu.Unlock()
		l.notify(notes)
		if untilChange {
			select {
			case <-changed:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		} else if err := l.clk.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// plan decides, under l.mu, whether b admits a request at local time now: wait > 0 means
// try again after wait; untilChange means wait for an answer to change the bucket's state.
// notes are observer notifications to deliver after unlocking.
func (l *limiter) plan(b *bucket, now time.Time) (wait time.Duration, untilChange bool, notes []BucketState) {
	switch b.mode {
	case modeUnknown:
		return 0, b.inflight > 0, nil // invariant 1
	case modeUnmetered:
		return 0, false, nil
	}
	boundary := l.server.localAtLeast(b.reset)
	if !b.rolled && !now.Before(boundary) { // invariant 5
		b.rolled, b.rolledAt, b.remaining = true, time.Time{}, b.limit
	}
	if !b.waiting.IsZero() && !now.Before(b.waiting) {
		b.waiting = time.Time{}
		notes = append(notes, l.state(b, now))
	}
	avail := b.remaining - b.inflight // invariant 2
	if avail <= 0 {
		if b.rolled {
			// Answers in flight will tell the new window. With none in flight (not reachable:
			// a rolled bucket holds remaining = limit ≥ 1) go ahead as a probe, never wait forever.
			return 0, b.inflight > 0, notes
		}
		if boundary.After(b.waiting) { // invariant 4
			b.waiting = boundary
			notes = append(notes, l.state(b, now))
		}
		return boundary.Sub(now), false, notes
	}
	var left time.Duration // invariant 3
	if b.rolled {
		start := b.rolledAt
		if start.IsZero() {
			start = now
		}
		left = b.window - now.Sub(start)
	} else {
		left = boundary.Sub(now)
	}
	next := b.lastAdmit.Add(max(left, 0) / time.Duration(avail+1))
	if now.Before(next) {
		return next.Sub(now), false, notes
	}
	return 0, false, notes
}

// done records the outcome of an admitted request: the answer's status and headers, or
// h == nil when there was no answer. recv is the local time the answer arrived.
func (t *ticket) done(status int, h http.Header, recv time.Time) {
	l, b := t.l, t.b
	l.mu.Lock()
	b.inflight--
	if h == nil {
		if b.mode == modeMetered && !b.rolled {
			b.remaining-- // invariant 6
		}
	} else {
		l.apply(b, status, h, t.sent, recv)
	}
	close(b.changed)
	b.changed = make(chan struct{})
	l.mu.Unlock()
}

// apply folds one answer's headers into b, under l.mu.
func (l *limiter) apply(b *bucket, status int, h http.Header, sent, recv time.Time) {
	date, dateErr := http.ParseTime(h.Get("Date"))
	if dateErr == nil {
		l.server.observe(date, sent, recv)
	}
	limit, e1 := strconv.Atoi(h.Get("X-Rate-Limit-Limit"))
	remaining, e2 := strconv.Atoi(h.Get("X-Rate-Limit-Remaining"))
	resetSec, e3 := strconv.ParseInt(h.Get("X-Rate-Limit-Reset"), 10, 64)
	if e1 != nil || e2 != nil || e3 != nil {
		// Only a success without headers shows the server does not meter this bucket; an
		// error page without them (a proxy's 502) says nothing, so the bucket is probed again.
		if b.mode == modeUnknown && status >= 200 && status < 300 {
			b.mode = modeUnmetered
		}
		return
	}
	if limit <= 0 {
		return // invariant 7: the concurrency limit's 429, not this bucket's numbers
	}
	reset := time.Unix(resetSec, 0)
	if dateErr == nil && reset.Sub(date) > b.window {
		b.window = reset.Sub(date)
	}
	if status == http.StatusTooManyRequests {
		remaining = 0
	}
	switch {
	case b.mode != modeMetered || reset.After(b.reset):
		b.mode, b.limit, b.remaining, b.reset, b.rolled = modeMetered, limit, remaining, reset, false
	case reset.Equal(b.reset) && !b.rolled:
		b.limit, b.remaining = limit, min(b.remaining, remaining)
	}
}

// hold marks bucket as waiting until local time until (a 429 retry) for observers.
func (l *limiter) hold(name string, until time.Time) {
	l.mu.Lock()
	b := l.bucket(name)
	var notes []BucketState
	if until.After(b.waiting) {
		b.waiting = until
		notes = append(notes, l.state(b, l.clk.Now()))
	}
	l.mu.Unlock()
	l.notify(notes)
}

// release ends a hold once its time has come.
func (l *limiter) release(name string) {
	l.mu.Lock()
	b := l.bucket(name)
	now := l.clk.Now()
	var notes []BucketState
	if !b.waiting.IsZero() && !now.Before(b.waiting) {
		b.waiting = time.Time{}
		notes = append(notes, l.state(b, now))
	}
	l.mu.Unlock()
	l.notify(notes)
}

// state snapshots b, under l.mu.
func (l *limiter) state(b *bucket, now time.Time) BucketState {
	s := BucketState{Bucket: b.name, Limit: b.limit, WaitingUntil: b.waiting}
	if b.mode == modeMetered {
		s.Remaining = max(b.remaining-b.inflight, 0)
		if !b.rolled {
			s.ResetAt = l.server.toLocal(b.reset)
		}
	}
	return s
}

// serverNow estimates the server's clock at local time now: the midpoint of the offset
// bounds, or the local time itself until an answer carried a Date.
func (l *limiter) serverNow(now time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.server.ok {
		return now
	}
	lo, hi := l.server.bounds(now)
	return now.Add(lo + (hi-lo)/2)
}

// snapshot returns every bucket's state, sorted by name.
func (l *limiter) snapshot() []BucketState {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clk.Now()
	out := make([]BucketState, 0, len(l.buckets))
	for _, b := range l.buckets {
		s := l.state(b, now)
		if !s.WaitingUntil.IsZero() && !now.Before(s.WaitingUntil) {
			s.WaitingUntil = time.Time{}
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b BucketState) int {
		switch {
		case a.Bucket < b.Bucket:
			return -1
		case a.Bucket > b.Bucket:
			return 1
		}
		return 0
	})
	return out
}

// notify delivers observer notifications outside the lock.
func (l *limiter) notify(notes []BucketState) {
	if l.observer == nil {
		return
	}
	for _, n := range notes {
		l.observer(n)
	}
}
