// Package retryafter reads the Retry-After header of a 429 or 503 answer
// (RFC 9110 §10.2.3): delay-seconds or an HTTP date. The Kissflow client,
// the polling triggers and the engine's poll backoff all read it here, so
// that they agree on what a source asked for.
package retryafter

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Parse returns the wait a Retry-After value asks for, measured from now: 0
// when there is none, it cannot be read, it is negative, or its date has
// passed. Capping the wait is the caller's business.
func Parse(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0
		}
		// A huge number of seconds is a very long wait, not an overflow.
		return time.Duration(min(n, int64(math.MaxInt64/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}
