package oktatest

import "time"

// limiter keeps one fixed window per rate-limit bucket. A bucket's window
// starts at the first request after the previous window ended and ends at
// the first whole second at or after start+length, so X-Rate-Limit-Reset
// (the end, in epoch seconds) is exact and always after the Date header
// (the start, truncated to the second).
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
		w.end, w.used = ceilSecond(now.Add(length)), 0
	}
	if w.used >= limit {
		return rateHeaders{limit: limit, reset: w.end.Unix()}, false
	}
	w.used++
	return rateHeaders{limit: limit, remaining: limit - w.used, reset: w.end.Unix()}, true
}

// ceilSecond rounds t up to a whole second.
func ceilSecond(t time.Time) time.Time {
	if tr := t.Truncate(time.Second); !tr.Equal(t) {
		return tr.Add(time.Second)
	}
	return t
}
