package oktatest

import "time"

// limiter keeps fixed windows per rate-limit bucket, as Okta does: not
// aligned to the wall clock, but back to back. A bucket's first window
// ends at the first whole second at or after its first request + length;
// every later window starts where the one before it ended (after an idle
// spell, at the grid point the request falls into). So with a whole-second
// length every window lasts exactly that long, X-Rate-Limit-Reset (the end,
// in epoch seconds) is exact, and it is always after the Date header.
type limiter struct {
	buckets map[string]*window
}

type window struct {
	end  time.Time
	used int
}

// rateHeaders are the X-Rate-Limit-* values of one response.
type rateHeaders struct {
	limit, remaining int
	reset            int64 // epoch seconds
}

// take counts one request in bucket at now; allowed is false when the
// window's limit was reached already, and the request must not be applied.
func (l *limiter) take(bucket string, now time.Time, limit int, length time.Duration) (h rateHeaders, allowed bool) {
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
	if w.used >= limit {
		return rateHeaders{limit: limit, reset: reset}, false
	}
	w.used++
	return rateHeaders{limit: limit, remaining: limit - w.used, reset: reset}, true
}

// ceilSecond rounds t up to a whole second.
func ceilSecond(t time.Time) time.Time {
	if tr := t.Truncate(time.Second); !tr.Equal(t) {
		return tr.Add(time.Second)
	}
	return t
}
