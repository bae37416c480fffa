package engine

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// retryHints is the transport of one poller's HTTP client: it remembers the
// Retry-After of the last 429 or 503 answer, so that a failing poll waits
// as long as the source asked, whatever error the trigger made of it.
type retryHints struct {
	next http.RoundTripper
	now  func() time.Time

	mu   sync.Mutex
	last time.Duration
}

func newRetryHints(next http.RoundTripper, now func() time.Time) *retryHints {
	if next == nil {
		next = http.DefaultTransport
	}
	return &retryHints{next: next, now: now}
}

func (t *retryHints) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err == nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), t.now()); ok {
			t.mu.Lock()
			t.last = max(t.last, d)
			t.mu.Unlock()
		}
	}
	return resp, err
}

// take returns the longest wait asked for since the last take, and forgets it.
func (t *retryHints) take() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	d := t.last
	t.last = 0
	return d
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date
// (RFC 9110 §10.2.3).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(min(n, int64(maxRetryAfter/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
