package okta

import (
	"context"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Pacing: send what the budget allows at once, spread only what exceeds it, so that a
// healthy org never has to answer 429 and a burst that fits is not slowed down.
//
// Okta reports, on every response, the bucket's X-Rate-Limit-Limit (L), -Remaining (R) and
// -Reset (S, server epoch seconds). The limiter keeps per bucket the smallest R seen for the
// current S, the requests admitted but not yet answered (inflight), the callers waiting to
// be admitted (queued: the demand), and the server clock offset (clock.go). Invariants:
//
//  1. A bucket never seen is probed: one request at a time until an answer carries headers
//     (a 2xx answer without them marks the bucket unmetered). No blind burst.
//  2. avail = R − inflight. Every unanswered request may still be counted by the server, every
//     answered one is already in R (R only falls within a window, so the minimum is kept and
//     a late, higher R is ignored). Admitting only while avail > 0 means we never send more
//     than the server said is left, whatever the concurrency.
//  3. Burst: when the queued demand fits in avail less the reserve (a documented share of L
//     kept for the org's other API users, WithRateLimitReserve), a request goes at once. The
//     reserve is kept while another user of the bucket has shown in its numbers in the last
//     two windows (L − R above our own requests counted in the window plus those in flight);
//     alone, there is nobody to keep it for, and the whole budget goes at once: a run's last
//     window is spent from its start instead of being stretched to its reset.
//  4. Pace: otherwise a request is admitted no sooner than lastAdmit + left/(avail+1), where
//     left is the local time until a round trip before the estimated reset (the midpoint of
//     the clock bounds): the budget is spread evenly so that the last request is counted
//     before the reset (one counted after it would use the next window's budget and leave
//     this one's last unit unused). Once left ≤ 0 a request can no longer be sure to land in
//     this window and goes at once: waiting would not save the unit.
//  5. With avail ≤ 0, callers wait until the local instant at which the server's clock is
//     surely past S (S − lower offset bound), never by the local clock alone.
//  6. Past that instant the window has rolled: R is assumed to be the last known L until an
//     answer with a later S arrives (answers for the old S are then ignored). Until then the
//     budget is spread over the longest window seen (max Reset − Date). A rolled bucket is
//     never rolled again on an assumption: only a real later S starts a window.
//  7. A request that failed without an answer may have been counted: R is lowered by one.
//  8. A 429 with L > 0 sets R = 0 for its S (invariant 5 then holds everyone back); a 429
//     with L = 0 is Okta's concurrency limit and says nothing about the bucket.
//
// Each bucket also keeps an EWMA of its round trips, which Pace reports with the allowed
// rates so that the engine can size its concurrency from the limit (Little's law).
type limiter struct {
	mu       sync.Mutex
	clk      clock
	server   serverClock
	buckets  map[string]*bucket
	observer func(BucketState)
	reserve  float64 // share of L a burst leaves (invariant 3)
	rtt      ewma    // all buckets
}

// DefaultRateLimitReserve is the share of a bucket's limit that a burst leaves for the org's
// other API users (see WithRateLimitReserve).
const DefaultRateLimitReserve = 0.05

// ewma is an exponentially weighted moving average of durations (weight 1/5 for a new
// sample: about the last ten answers count).
type ewma struct {
	v time.Duration
	n int
}

func (e *ewma) add(d time.Duration) {
	if e.n == 0 {
		e.v = d
	} else {
		e.v += (d - e.v) / 5
	}
	e.n++
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
	own       int           // our requests the server may have counted in the current window
	othersAt  time.Time     // local time another user's requests last showed in R (zero: never)
	inflight  int
	queued    int // callers inside acquire, not yet admitted: the demand (invariant 3)
	rtt       ewma
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
	return &limiter{clk: clk, buckets: make(map[string]*bucket), observer: observer, reserve: DefaultRateLimitReserve}
}

// reserveOf is the number of requests of b's window a burst leaves untouched at local time
// now: a share of L while others have used the bucket in the last two windows, else none
// (invariant 3).
func (l *limiter) reserveOf(b *bucket, now time.Time) int {
	if b.othersAt.IsZero() || now.Sub(b.othersAt) > 2*max(b.window, time.Second) {
		return 0
	}
	return int(math.Ceil(l.reserve * float64(b.limit)))
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
	l.mu.Lock()
	l.bucket(name).queued++
	l.mu.Unlock()
	for {
		if err := ctx.Err(); err != nil {
			l.dequeue(name)
			return nil, err
		}
		l.mu.Lock()
		b := l.bucket(name)
		now := l.clk.Now()
		wait, untilChange, notes := l.plan(b, now)
		if wait <= 0 && !untilChange {
			b.queued--
			b.inflight++
			b.lastAdmit = now
			if b.rolled && b.rolledAt.IsZero() {
				b.rolledAt = now
			}
			l.mu.Unlock()
			l.notify(notes)
			return &ticket{l: l, b: b}, nil
		}
		changed, answersDue := b.changed, b.inflight > 0
		l.mu.Unlock()
		l.notify(notes)
		if untilChange {
			select {
			case <-changed:
			case <-ctx.Done():
				l.dequeue(name)
				return nil, ctx.Err()
			}
		} else if err := l.sleep(ctx, wait, changed, answersDue); err != nil {
			l.dequeue(name)
			return nil, err
		}
	}
}

// sleep waits d on the limiter's clock; with answersDue also until the bucket changes: an
// answer may show that units counted as in flight had been counted already (a wait for the
// reset then ends at once), or move the reset.
func (l *limiter) sleep(ctx context.Context, d time.Duration, changed <-chan struct{}, answersDue bool) error {
	if !answersDue {
		return l.clk.Sleep(ctx, d)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-changed:
			cancel()
		case <-stop:
		}
	}()
	l.clk.Sleep(wctx, d)
	return ctx.Err()
}

// dequeue takes back the demand of a caller that gave up.
func (l *limiter) dequeue(name string) {
	l.mu.Lock()
	l.bucket(name).queued--
	l.mu.Unlock()
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
	if !b.rolled && !now.Before(boundary) { // invariant 6
		b.rolled, b.rolledAt, b.remaining, b.own = true, time.Time{}, b.limit, 0
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
		if boundary.After(b.waiting) { // invariant 5
			b.waiting = boundary
			notes = append(notes, l.state(b, now))
		}
		return boundary.Sub(now), false, notes
	}
	if b.queued <= avail-l.reserveOf(b, now) { // invariant 3
		return 0, false, notes
	}
	left := l.spreadEnd(b, now).Sub(now) // invariant 4
	if left <= 0 {
		return 0, false, notes
	}
	next := b.lastAdmit.Add(left / time.Duration(avail+1))
	if now.Before(next) {
		return next.Sub(now), false, notes
	}
	return 0, false, notes
}

// spreadEnd is the local instant by which paced requests of b's window should have gone
// (invariant 4): a round trip before the reset's estimate, or before the assumed end of a
// rolled window (the window length after the first admission in it).
func (l *limiter) spreadEnd(b *bucket, now time.Time) time.Time {
	var end time.Time
	if b.rolled {
		start := b.rolledAt
		if start.IsZero() {
			start = now
		}
		end = start.Add(b.window)
	} else {
		end = l.server.toLocal(b.reset)
	}
	return end.Add(-b.rtt.v)
}

// done records the outcome of an admitted request: the answer's status and headers, or
// h == nil when there was no answer. recv is the local time the answer arrived.
func (t *ticket) done(status int, h http.Header, recv time.Time) {
	l, b := t.l, t.b
	l.mu.Lock()
	b.inflight--
	if h == nil {
		if b.mode == modeMetered && !b.rolled {
			b.remaining-- // invariant 7
			b.own++
		}
	} else {
		l.apply(b, status, h, t.sent, recv)
		if !t.sent.IsZero() && !recv.Before(t.sent) {
			b.rtt.add(recv.Sub(t.sent))
			l.rtt.add(recv.Sub(t.sent))
		}
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
		return // invariant 8: the concurrency limit's 429, not this bucket's numbers
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
		b.mode, b.limit, b.remaining, b.reset, b.rolled, b.own = modeMetered, limit, remaining, reset, false, 0
	case reset.Equal(b.reset) && !b.rolled:
		b.limit, b.remaining = limit, min(b.remaining, remaining)
	default:
		return // an answer from a window already past
	}
	if status == http.StatusTooManyRequests {
		return // not counted by the server, and R = 0 says nothing about who spent it
	}
	// Invariant 3: this answer's request is ours and counted; every request still in flight
	// may have been counted before this answer was written. More used than that is someone
	// else's.
	b.own++
	if limit-remaining > b.own+b.inflight {
		b.othersAt = recv
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

// localAtLeast is the local time by which the server's clock is surely at or past the
// server instant t (serverClock.localAtLeast, under the lock).
func (l *limiter) localAtLeast(t time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.server.localAtLeast(t)
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

// PaceInfo is what the pacer knows, for sizing concurrency from the limit: by Little's law
// the requests worth having in flight for a bucket are about Rate × RoundTrip (Sustained ×
// RoundTrip over a whole window); more only queue in the pacer, and never beyond
// MaxConcurrent, the client's cap on requests on the wire.
type PaceInfo struct {
	RoundTrip     time.Duration // EWMA of answer times over all buckets; 0 before any answer
	Rate          float64       // requests/s allowed now: the lowest Rate of the metered buckets; 0 when none is known
	Sustained     float64       // the lowest Sustained of the metered buckets; 0 when none is known
	Burst         int           // the lowest Burst of the metered buckets; 0 when none is known
	MaxConcurrent int           // requests this client puts on the wire at once (WithMaxConcurrency)
	Buckets       []BucketPace  // every bucket used so far, sorted by name
}

// BucketPace is one bucket's pace.
type BucketPace struct {
	Bucket    string
	Metered   bool          // the bucket's answers carry X-Rate-Limit-* headers
	RoundTrip time.Duration // EWMA of this bucket's answer times
	Limit     int           // requests per window
	Remaining int           // requests left in this window, in-flight ones deducted
	Window    time.Duration // the window length (the longest Reset − Date seen)
	ResetAt   time.Time     // local; zero once the window has passed (a new one is assumed)
	Sustained float64       // Limit / Window: the long-run rate the bucket allows
	// Rate is the rate allowed now: Remaining over the time to the reset (the rest of the
	// window spread evenly, as the pacer does); Sustained once the window has rolled; 0 while
	// the budget is spent. An unmetered bucket has no rate (0, Metered false).
	Rate float64
	// Burst is how many more requests may go at once now: Remaining less the reserve kept
	// while another user shows in the bucket (invariant 3). Worth having that many in flight.
	Burst int
}

// Pace reports round trips and allowed rates per bucket (see PaceInfo).
func (c *Client) Pace() PaceInfo {
	p := c.lim.pace()
	p.MaxConcurrent = cap(c.slots)
	return p
}

func (l *limiter) pace() PaceInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clk.Now()
	p := PaceInfo{RoundTrip: l.rtt.v}
	first := true
	for _, b := range l.buckets {
		bp := BucketPace{Bucket: b.name, Metered: b.mode == modeMetered, RoundTrip: b.rtt.v, Limit: b.limit, Window: b.window}
		if bp.Metered {
			st := l.state(b, now)
			bp.Remaining, bp.ResetAt = st.Remaining, st.ResetAt
			bp.Burst = max(st.Remaining-l.reserveOf(b, now), 0)
			if b.window > 0 {
				bp.Sustained = float64(b.limit) / b.window.Seconds()
			}
			boundary := l.server.localAtLeast(b.reset)
			switch left := boundary.Sub(now); {
			case b.rolled || left <= 0:
				bp.Rate = bp.Sustained
			default:
				bp.Rate = float64(bp.Remaining) / left.Seconds()
			}
			if first || bp.Rate < p.Rate {
				p.Rate = bp.Rate
			}
			if first || bp.Sustained < p.Sustained {
				p.Sustained = bp.Sustained
			}
			if first || bp.Burst < p.Burst {
				p.Burst = bp.Burst
			}
			first = false
		}
		p.Buckets = append(p.Buckets, bp)
	}
	slices.SortFunc(p.Buckets, func(a, b BucketPace) int { return strings.Compare(a.Bucket, b.Bucket) })
	return p
}
