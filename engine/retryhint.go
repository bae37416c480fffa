package engine

import (
	"net/http"
	"sync"
	"time"

	"github.com/oktaflow/oktaflow/engine/internal/retryafter"
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
		if d := min(retryafter.Parse(resp.Header.Get("Retry-After"), t.now()), maxRetryAfter); d > 0 {
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
