package oktatest

import "time"

// limiter keeps fixed windows per rate-limit bucket, as Okta does: not
// aligned to the wall clock, but back to back. A bucket's first window
// ends at the first whole second at or after its first request + length;
// every later window starts where the one before it ended (after an idle
// spell, at the grid point the request falls into). So with a whole-second
// length every window lasts exactly that long, X-Rate-Limit-Reset (the end,
// in epoch seconds) is exact, and it is always after the Date header.
//
// With a per-token share below 100 %, each principal (the API token, each
// OAuth client) also has a counter per bucket, living in the bucket's
// window: a request is allowed when both the bucket and the principal's
// ceiling have room, and the headers report the principal's ceiling ("the
// rate limit ceiling that's applicable for the current request") and what
// is left of it or of the bucket, whichever is less.
type limiter struct {
	buckets map[string]*window
	shares  map[shareKey]*window
}

type shareKey struct{ bucket, principal string }

type window struct {
	end  time.Time
	used int
}

// rateHeaders are the X-Rate-Limit-* values of one response.
type rateHeaders struct {
	limit, remaining int
	reset            int64 // epoch seconds
}

// take counts one request of principal in bucket at now; allowed is false
// when the bucket's limit or the principal's share of it was reached
// already, and the request must not be applied. share is a percentage;
// 100 (or more) means no per-principal ceiling.
func (l *limiter) take(bucket, principal string, now time.Time, limit int, length time.Duration, share int) (h rateHeaders, allowed bool) {
	w := l.buckets[bucket]
	if w == nil {
		w = &window{}
		l.buckets[bucket] = w
	}
	if !now.Before(w.end) {
		if w.end.IsZero() || length <= 0 {
			w.end = ceilSecond(now.Add(length))
		} else {
			skipped := now.Sub(w.end) / length // whole windows nobody used
			w.end = w.end.Add((skipped + 1) * length)
		}
		w.used = 0
	}
	reset := ceilSecond(w.end).Unix()
	var pw *window
	ceiling := limit
	if share > 0 && share < 100 {
		ceiling = max(1, limit*share/100)
		if l.shares == nil {
			l.shares = map[shareKey]*window{}
		}
		k := shareKey{bucket, principal}
		if pw = l.shares[k]; pw == nil {
			pw = &window{}
			l.shares[k] = pw
		}
		if !pw.end.Equal(w.end) { // a new window of the bucket
			pw.end, pw.used = w.end, 0
		}
	}
	if w.used >= limit || pw != nil && pw.used >= ceiling {
		return rateHeaders{limit: ceiling, reset: reset}, false
	}
	w.used++
	remaining := limit - w.used
	if pw != nil {
		pw.used++
		remaining = min(remaining, ceiling-pw.used)
	}
	return rateHeaders{limit: ceiling, remaining: remaining, reset: reset}, true
}

// take counts a request in its bucket with the org's limits.
func (o *Org) take(bucket string, p principal, now time.Time) (rateHeaders, bool) {
	return o.limiter.take(bucket, p.shareKey(), now, o.limitFor(bucket), o.opts.RateWindow, o.tokenShare())
}

// limitFor is a bucket's requests per window: Options.RateLimits for the
// bucket, else Options.RateLimit, else the tier's value, else
// DefaultRateLimit.
func (o *Org) limitFor(bucket string) int {
	if n, ok := o.opts.RateLimits[bucket]; ok && n > 0 {
		return n
	}
	if o.opts.RateLimit > 0 {
		return o.opts.RateLimit
	}
	if t, ok := tiers[o.opts.Tier]; ok {
		return t.limit(bucket)
	}
	return DefaultRateLimit
}

// tokenShare is the percentage of a bucket one principal may use.
func (o *Org) tokenShare() int {
	switch {
	case o.opts.TokenShare > 0:
		return o.opts.TokenShare
	case o.opts.Tier != "":
		return defaultTokenShare
	}
	return 100
}

// ceilSecond rounds t up to a whole second.
func ceilSecond(t time.Time) time.Time {
	if tr := t.Truncate(time.Second); !tr.Equal(t) {
		return tr.Add(time.Second)
	}
	return t
}
