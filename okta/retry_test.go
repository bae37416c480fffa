package okta

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// recorder keeps the requests a test server saw.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *recorder) add(req *http.Request) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req.Clone(context.Background()))
	return len(r.reqs)
}

func (r *recorder) all() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*http.Request(nil), r.reqs...)
}

func TestRetryServerErrorsThenSuccess(t *testing.T) {
	var rec recorder
	c, _ := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		n := rec.add(r)
		w.Header().Set("X-Okta-Request-Id", "req-"+strconv.Itoa(n))
		switch n {
		case 1:
			writeJSON(w, 500, okta("E0000009"))
		case 2:
			writeJSON(w, 503, "<html>down</html>")
		default:
			writeJSON(w, 200, `{"id":"00u1"}`)
		}
	})
	u, err := c.GetUser(context.Background(), "00u1")
	if err != nil || u.ID != "00u1" {
		t.Fatalf("GetUser = %v, %v", u, err)
	}
	reqs := rec.all()
	if len(reqs) != 3 {
		t.Fatalf("%d requests; want 3", len(reqs))
	}
	if h := reqs[0].Header; h.Get("X-Okta-Retry-Count") != "" || h.Get("X-Okta-Retry-For") != "" {
		t.Errorf("first attempt carries retry headers: %v", h)
	}
	for i, want := range []struct{ count, forID string }{{"1", "req-1"}, {"2", "req-2"}} {
		h := reqs[i+1].Header
		if h.Get("X-Okta-Retry-Count") != want.count || h.Get("X-Okta-Retry-For") != want.forID {
			t.Errorf("retry %d headers: count %q for %q; want %q %q", i+1, h.Get("X-Okta-Retry-Count"), h.Get("X-Okta-Retry-For"), want.count, want.forID)
		}
	}
}

func TestRetryBoundOnServerErrors(t *testing.T) {
	var n atomic.Int32
	c, _ := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		writeJSON(w, 500, okta("E0000009"))
	}, WithMaxRetries(2))
	_, err := c.GetUser(context.Background(), "x")
	if !IsServerError(err) || n.Load() != 3 {
		t.Fatalf("err %v after %d requests; want a server error after 3", err, n.Load())
	}
}

func TestNoRetryOnClientErrors(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   string
	}{{400, "E0000001"}, {401, "E0000011"}, {403, "E0000005"}, {404, "E0000007"}, {405, "E0000022"}, {409, "E0000112"}} {
		var n atomic.Int32
		c, _ := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			writeJSON(w, tc.status, okta(tc.code))
		})
		_, err := c.CreateUser(context.Background(), CreateUserRequest{Profile: map[string]any{"login": "a@b.c"}})
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Status != tc.status || apiErr.Code != tc.code || n.Load() != 1 {
			t.Errorf("%d: err %v after %d requests; want one request and the API error", tc.status, err, n.Load())
		}
	}
}

// A create whose answer is lost is retried; the connection drop is a network error.
func TestRetryAfterDroppedConnection(t *testing.T) {
	var rec recorder
	c, _ := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if rec.add(r) == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		writeJSON(w, 200, `{"id":"00u1","status":"STAGED"}`)
	})
	u, err := c.CreateUser(context.Background(), CreateUserRequest{Profile: map[string]any{"login": "a@b.c"}, Password: "pw-Secret-1"})
	if err != nil || u.ID != "00u1" {
		t.Fatalf("CreateUser = %v, %v", u, err)
	}
	reqs := rec.all()
	if len(reqs) != 2 || reqs[1].Header.Get("X-Okta-Retry-Count") != "1" || reqs[1].Header.Get("X-Okta-Retry-For") != "" {
		t.Fatalf("%d requests, retry headers %v", len(reqs), reqs[len(reqs)-1].Header)
	}
}

func TestNetworkErrorAfterRetries(t *testing.T) {
	var n atomic.Int32
	c, _ := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}, WithMaxRetries(1))
	_, err := c.GetUser(context.Background(), "00u1")
	var apiErr *APIError
	if err == nil || errors.As(err, &apiErr) || n.Load() != 2 || !strings.Contains(err.Error(), "GET /api/v1/users/00u1") {
		t.Fatalf("err %v after %d requests", err, n.Load())
	}
}

// rateLimited answers 429 with Okta's headers: Date, and a reset 7 s after it.
func rateLimited(w http.ResponseWriter, date time.Time, limit int, resetIn time.Duration) {
	h := rateHeader(limit, 0, date.Add(resetIn), date)
	for k, v := range h {
		w.Header()[k] = v
	}
	w.Header().Set("X-Okta-Request-Id", "rl-1")
	writeJSON(w, 429, okta("E0000047"))
}

func TestRateLimitWaitUsesServerClock(t *testing.T) {
	// The server's clock is far from the local one: the wait must come from Reset − Date.
	serverDate := time.Date(2025, 9, 11, 16, 21, 50, 0, time.UTC)
	clk := newFakeClock(t0)
	var rec recorder
	c, _ := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if rec.add(r) == 1 {
			rateLimited(w, serverDate, 10, 7*time.Second)
			return
		}
		writeJSON(w, 200, `{"id":"00u1"}`)
	}, withClock(clk))
	if _, err := c.GetUser(context.Background(), "00u1"); err != nil {
		t.Fatal(err)
	}
	var waited time.Duration
	for _, d := range clk.slept() {
		waited += d
	}
	if waited < 7*time.Second+resetMargin || waited > 7*time.Second+2*time.Millisecond+2*resetMargin { // 2 ms: 200 ppm drift over 7 s
		t.Errorf("waited %v (%v); want Reset − Date = 7s on the server's clock plus a few ms", waited, clk.slept())
	}
	reqs := rec.all()
	if len(reqs) != 2 || reqs[1].Header.Get("X-Okta-Retry-For") != "rl-1" || reqs[1].Header.Get("X-Okta-Retry-Count") != "1" {
		t.Errorf("%d requests; retry headers %v", len(reqs), reqs[len(reqs)-1].Header)
	}
}

func TestRateLimitBudgetIsSeparateAndBounded(t *testing.T) {
	clk := newFakeClock(t0)
	var n atomic.Int32
	// Two 429s, two 500s, then success: neither budget (2 each) is exceeded.
	c, _ := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1, 3:
			rateLimited(w, clk.Now(), 10, 3*time.Second)
		case 2, 4:
			writeJSON(w, 500, okta("E0000009"))
		default:
			writeJSON(w, 200, `{"id":"00u1"}`)
		}
	}, withClock(clk), WithMaxRetries(2), WithMaxRateLimitWaits(2))
	if _, err := c.GetUser(context.Background(), "00u1"); err != nil || n.Load() != 5 {
		t.Fatalf("err %v after %d requests", err, n.Load())
	}

	n.Store(0)
	var observed []BucketState
	var mu sync.Mutex
	c2, _ := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		rateLimited(w, clk.Now(), 10, 3*time.Second)
	}, withClock(clk), WithMaxRateLimitWaits(2), WithRateLimitObserver(func(s BucketState) {
		mu.Lock()
		observed = append(observed, s)
		mu.Unlock()
	}))
	before := clk.Now()
	_, err := c2.CreateUser(context.Background(), CreateUserRequest{Profile: map[string]any{"a": 1}})
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.Bucket != BucketUsers || n.Load() != 3 || !IsRateLimited(err) || rl.Err.Code != "E0000047" {
		t.Fatalf("err %v after %d requests; want a RateLimitError after 3", err, n.Load())
	}
	if rl.RetryAt.Before(before) || rl.RetryAt.After(clk.Now().Add(5*time.Second)) {
		t.Errorf("RetryAt %v is not the coming reset (now %v)", rl.RetryAt, clk.Now())
	}
	mu.Lock()
	defer mu.Unlock()
	var waits, ends int
	for _, s := range observed {
		if s.Bucket != BucketUsers {
			t.Errorf("observed bucket %q", s.Bucket)
		}
		if s.WaitingUntil.IsZero() {
			ends++
		} else {
			waits++
		}
	}
	if waits == 0 || ends == 0 {
		t.Errorf("observer saw %d wait starts and %d ends: %+v", waits, ends, observed)
	}
}

func TestConcurrency429BacksOff(t *testing.T) {
	clk := newFakeClock(t0)
	var n atomic.Int32
	c, _ := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			rateLimited(w, clk.Now(), 0, 60*time.Second) // Limit 0: the concurrency limit
			return
		}
		writeJSON(w, 200, `{"id":"00u1"}`)
	}, withClock(clk))
	if _, err := c.GetUser(context.Background(), "00u1"); err != nil {
		t.Fatal(err)
	}
	if s := clk.slept(); len(s) == 0 || s[0] > 10*time.Millisecond {
		t.Errorf("concurrency 429 waited %v; want the short backoff, not the 60 s reset", s)
	}
}

func TestCancelDuringRateLimitWait(t *testing.T) {
	clk := newFakeClock(t0)
	clk.block = true // waits only end by cancellation
	arrived := make(chan struct{}, 1)
	c, _ := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		rateLimited(w, time.Now(), 10, 30*time.Second)
		arrived <- struct{}{}
	}, withClock(clk))
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	_, err := c.GetUser(ctx, "00u1")
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "GET /api/v1/users/00u1") {
		t.Fatalf("err = %v; want context.Canceled naming the request", err)
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	clk := newFakeClock(t0)
	clk.block = true
	arrived := make(chan struct{}, 1)
	c, _ := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 502, "bad gateway")
		arrived <- struct{}{}
	}, withClock(clk))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go func() { <-arrived; cancel() }()
	if _, err := c.GetUser(ctx, "00u1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v; want context.Canceled", err)
	}
}

func TestBackoffGrowsAndCaps(t *testing.T) {
	c := &Client{backoffMin: 100 * time.Millisecond, backoffMax: time.Second}
	for n, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 30: time.Second} {
		for range 20 {
			if d := c.backoff(n); d < want-want/10 || d > want+want/10 {
				t.Fatalf("backoff(%d) = %v; want %v ±10%%", n, d, want)
			}
		}
	}
}
