package okta

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a virtual local clock: Sleep advances it at once (or, with block, waits for
// ctx), so that pacing decisions can be asserted exactly and without real waits.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
	block  bool
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{now: t} }

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if f.block {
		<-ctx.Done()
		return ctx.Err()
	}
	f.mu.Lock()
	f.sleeps = append(f.sleeps, d)
	if d > 0 {
		f.now = f.now.Add(d)
	}
	f.mu.Unlock()
	return ctx.Err()
}

func (f *fakeClock) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

func (f *fakeClock) slept() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

const testToken = "00abcSECRETtokenVALUE-xyz"

// fastRetry keeps tests quick: real backoffs are half a second and up.
var fastRetry = WithRetryBackoff(time.Millisecond, 4*time.Millisecond)

// newTestServer starts an httptest server with h and a client for it.
func newTestServer(t *testing.T, h http.HandlerFunc, opts ...Option) (*Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts = append([]Option{WithAllowHTTPLoopback(), fastRetry}, opts...)
	c, err := NewClient(srv.URL, testToken, opts...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c, srv
}

// writeJSON answers status with body and Okta's content type.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// exchange is one expected request and the answer to give. In answers, "{base}" stands for
// the test server's URL (for Link headers and hrefs).
type exchange struct {
	method   string
	path     string     // escaped path
	query    url.Values // compared as parsed values; nil means none
	rawQuery string     // when set, the raw query must be exactly this (links followed as sent)
	body     string     // when set, the request body must be this JSON
	status   int
	resp     string
	header   http.Header
}

// scripted serves exchanges in order and fails the test on any other request.
func scripted(t *testing.T, exchanges []exchange, opts ...Option) (*Client, *httptest.Server, *atomic.Int32) {
	t.Helper()
	var served atomic.Int32
	c, srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		i := int(served.Add(1)) - 1
		if i >= len(exchanges) {
			t.Errorf("unexpected request %d: %s %s", i, r.Method, r.URL)
			writeJSON(w, 500, okta("E0000009"))
			return
		}
		ex := exchanges[i]
		checkRequest(t, i, r, ex)
		base := "http://" + r.Host
		for k, vs := range ex.header {
			for _, v := range vs {
				w.Header().Add(k, strings.ReplaceAll(v, "{base}", base))
			}
		}
		status := ex.status
		if status == 0 {
			status = 200
		}
		if ex.resp == "" && status == 204 {
			w.WriteHeader(204)
			return
		}
		writeJSON(w, status, strings.ReplaceAll(ex.resp, "{base}", base))
	}, opts...)
	t.Cleanup(func() {
		if n := int(served.Load()); n < len(exchanges) && !t.Failed() {
			t.Errorf("only %d of %d expected requests were made", n, len(exchanges))
		}
	})
	return c, srv, &served
}

func checkRequest(t *testing.T, i int, r *http.Request, ex exchange) {
	t.Helper()
	if r.Method != ex.method || r.URL.EscapedPath() != ex.path {
		t.Errorf("request %d: %s %s; want %s %s", i, r.Method, r.URL.EscapedPath(), ex.method, ex.path)
	}
	if ex.rawQuery != "" {
		if r.URL.RawQuery != ex.rawQuery {
			t.Errorf("request %d: raw query %q; want exactly %q", i, r.URL.RawQuery, ex.rawQuery)
		}
	} else if got, _ := url.ParseQuery(r.URL.RawQuery); !sameValues(got, ex.query) {
		t.Errorf("request %d: query %v; want %v", i, got, ex.query)
	}
	if (r.Method == http.MethodPost || r.Method == http.MethodPut) && r.Header.Get("Content-Length") == "" && len(r.TransferEncoding) == 0 {
		t.Errorf("request %d: %s without Content-Length (Okta answers 411)", i, r.Method)
	}
	body, _ := io.ReadAll(r.Body)
	switch {
	case ex.body != "" && !sameJSON(string(body), ex.body):
		t.Errorf("request %d: body %s; want %s", i, body, ex.body)
	case ex.body == "" && len(body) > 0:
		t.Errorf("request %d: unexpected body %s", i, body)
	}
}

func sameValues(a, b url.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func links(pairs ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(pairs); i += 2 {
		h.Add("Link", "<"+pairs[i+1]+`>; rel="`+pairs[i]+`"`)
	}
	return h
}

func mustQuery(q string) url.Values {
	v, err := url.ParseQuery(q)
	if err != nil {
		panic(err)
	}
	return v
}
