package oktatest

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// testOrg is an org behind a real loopback HTTP server, driven with raw
// net/http. Its clock is a fakeClock, so rate-limit windows and log times
// move only when a test says so.
type testOrg struct {
	t     *testing.T
	org   *Org
	srv   *httptest.Server
	clock *fakeClock
}

// epoch is the fake clock's start: a whole second, so Date is exact.
var epoch = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func newTestOrg(t *testing.T, opts Options) *testOrg {
	t.Helper()
	clock := &fakeClock{t: epoch}
	org := newOrg(opts, clock.now)
	srv := httptest.NewServer(org)
	t.Cleanup(srv.Close)
	return &testOrg{t: t, org: org, srv: srv, clock: clock}
}

// advance moves the org's clock.
func (o *testOrg) advance(d time.Duration) { o.clock.set(o.clock.now().Add(d)) }

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into any.
func (r response) json(t *testing.T) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body %q is not JSON: %v", r.body, err)
	}
	return v
}

func (r response) object(t *testing.T) map[string]any {
	t.Helper()
	m, ok := r.json(t).(map[string]any)
	if !ok {
		t.Fatalf("body %s is not an object", r.body)
	}
	return m
}

func (r response) list(t *testing.T) []any {
	t.Helper()
	l, ok := r.json(t).([]any)
	if !ok {
		t.Fatalf("body %s is not an array", r.body)
	}
	return l
}

// do sends a request with the org's token.
func (o *testOrg) do(method, path, body string) response {
	o.t.Helper()
	return o.doAuth(method, path, body, "SSWS "+o.org.Token())
}

// doAuth sends a request with the given Authorization header ("" for none).
func (o *testOrg) doAuth(method, path, body, auth string) response {
	o.t.Helper()
	req, err := http.NewRequest(method, o.srv.URL+path, strings.NewReader(body))
	if err != nil {
		o.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := o.srv.Client().Do(req)
	if err != nil {
		o.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		o.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// mustStatus fails the test unless r has status want.
func mustStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body %s", r.status, want, r.body)
	}
}

// wantError checks an Okta error body: status, errorCode, errorSummary,
// the causes, errorLink = errorCode and an errorId.
func wantError(t *testing.T, r response, status int, code, summary string, causes ...string) {
	t.Helper()
	mustStatus(t, r, status)
	e := r.object(t)
	if e["errorCode"] != code || e["errorLink"] != code {
		t.Errorf("errorCode/errorLink %v/%v, want %s", e["errorCode"], e["errorLink"], code)
	}
	if e["errorSummary"] != summary {
		t.Errorf("errorSummary %q, want %q", e["errorSummary"], summary)
	}
	if id, _ := e["errorId"].(string); !regexp.MustCompile(`^oae[0-9A-Za-z]{22}$`).MatchString(id) {
		t.Errorf("errorId %q is not oae + 22 characters", id)
	}
	got := []string{}
	list, isList := e["errorCauses"].([]any)
	if !isList {
		t.Fatalf("errorCauses %v is not an array", e["errorCauses"])
	}
	for _, c := range list {
		got = append(got, c.(map[string]any)["errorSummary"].(string))
	}
	if strings.Join(got, "|") != strings.Join(causes, "|") {
		t.Errorf("errorCauses %q, want %q", got, causes)
	}
}

// createUser creates a user with the given profile JSON fields and query.
func (o *testOrg) createUser(query, profile string) map[string]any {
	o.t.Helper()
	r := o.do(http.MethodPost, "/api/v1/users"+query, `{"profile":{`+profile+`}}`)
	mustStatus(o.t, r, http.StatusOK)
	return r.object(o.t)
}

// person is the profile JSON of a valid user.
func person(first, last string) string {
	login := strings.ToLower(first + "." + last + "@example.com")
	return `"firstName":"` + first + `","lastName":"` + last + `","email":"` + login + `","login":"` + login + `"`
}

// linkRels parses the Link headers of r.
func (r response) links() map[string]string { return links(r.header.Values("Link")) }

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return n
}

// keys lists an object's keys, sorted.
func keys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

// stringsBuilder is a strings.Builder usable as an io.Writer value.
type stringsBuilder = strings.Builder

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

// fakeClock is the simulator's clock during a replay.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// httptestServer serves org on a loopback test server closed with the test.
func httptestServer(t *testing.T, org *Org) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(org)
	t.Cleanup(s.Close)
	return s
}
