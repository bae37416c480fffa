package okta

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// windowServer is an in-process Okta stand-in on the fake clock: one fixed window per
// bucket, as the project's simulator defines it (ceil: the window ends at the first whole
// second at or after start+window), or aligned (the window ends window after the whole
// second the start falls in). Its clock runs skew ahead of the local one.
type windowServer struct {
	mu       sync.Mutex
	clk      *fakeClock
	skew     time.Duration
	latency  time.Duration
	limit    int
	window   time.Duration
	ceil     bool
	end      time.Time
	started  time.Time // local time the current window began
	used     int
	windows  int
	ok       int
	limited  int
	limitedW []int // window index of each 429
}

func (s *windowServer) RoundTrip(req *http.Request) (*http.Response, error) {
	s.clk.advance(s.latency / 2)
	s.mu.Lock()
	now := s.clk.Now().Add(s.skew)
	if !now.Before(s.end) {
		if s.ceil {
			s.end = now.Add(s.window)
			if tr := s.end.Truncate(time.Second); !tr.Equal(s.end) {
				s.end = tr.Add(time.Second)
			}
		} else {
			s.end = now.Truncate(time.Second).Add(s.window)
		}
		s.used = 0
		s.windows++
		s.started = s.clk.Now()
	}
	status, body, remaining := 200, `{"id":"00u1","status":"ACTIVE","profile":{}}`, 0
	if s.used >= s.limit {
		status, body = 429, okta("E0000047")
		s.limited++
		s.limitedW = append(s.limitedW, s.windows)
	} else {
		s.used++
		s.ok++
		remaining = s.limit - s.used
	}
	h := rateHeader(s.limit, remaining, s.end, now)
	h.Set("X-Okta-Request-Id", fmt.Sprint("req-", s.ok+s.limited))
	s.mu.Unlock()
	s.clk.advance(s.latency - s.latency/2)
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
}

func runPaced(t *testing.T, s *windowServer, n int) (elapsed time.Duration) {
	t.Helper()
	c, err := NewClient("https://acme.okta.com", testToken, WithHTTPClient(&http.Client{Transport: s}), withClock(s.clk))
	if err != nil {
		t.Fatal(err)
	}
	start := s.clk.Now()
	for i := range n {
		if _, err := c.CreateUser(context.Background(), CreateUserRequest{Profile: map[string]any{"login": strconv.Itoa(i)}}); err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
	}
	return s.clk.Now().Sub(start)
}

// With windows the client can fill (aligned), paced creates reach ≥ 90% of limit ÷ window
// and never meet a 429, whatever the server's clock says.
func TestPacingReachesBoundWithoutTooManyRequests(t *testing.T) {
	for _, skew := range []time.Duration{0, 3700 * time.Millisecond, -2300 * time.Millisecond, 41 * time.Minute} {
		s := &windowServer{clk: newFakeClock(t0), skew: skew, latency: 4 * time.Millisecond, limit: 100, window: 2 * time.Second}
		const n = 1500
		elapsed := runPaced(t, s, n)
		if s.limited != 0 {
			t.Errorf("skew %v: %d answers were 429 (in windows %v)", skew, s.limited, s.limitedW)
		}
		rate := float64(n) / elapsed.Seconds()
		bound := float64(s.limit) / s.window.Seconds()
		t.Logf("skew %v: ratio %.3f windows %d", skew, rate/bound, s.windows)
		if rate/bound < 0.9 {
			t.Errorf("skew %v: %.1f requests/s in virtual time = %.2f of the bound %.0f/s", skew, rate, rate/bound, bound)
		}
	}
}

// Against the simulator's window rule (a window starting mid-second ends on the next whole
// second after start+window, i.e. up to a second late) the client still never meets a 429,
// and fills each window: the rate is near limit ÷ (window + 1s), the most that rule allows.
func TestPacingUnderCeilWindows(t *testing.T) {
	s := &windowServer{clk: newFakeClock(t0), skew: 1300 * time.Millisecond, latency: 3 * time.Millisecond, limit: 200, window: 2 * time.Second, ceil: true}
	const n = 2000
	elapsed := runPaced(t, s, n)
	if s.limited != 0 {
		t.Errorf("%d answers were 429 (in windows %v)", s.limited, s.limitedW)
	}
	rate := float64(n) / elapsed.Seconds()
	achievable := float64(s.limit) / (s.window + time.Second).Seconds()
	t.Logf("ratio %.3f of achievable, %.3f of limit/window", rate/achievable, rate/(float64(s.limit)/s.window.Seconds()))
	if rate/achievable < 0.9 {
		t.Errorf("%.1f requests/s = %.2f of the %.1f/s this window rule allows", rate, rate/achievable, achievable)
	}
}
