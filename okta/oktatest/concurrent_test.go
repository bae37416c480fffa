package oktatest

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// TestConcurrentUse hammers one org from many goroutines (run with -race):
// every create lands exactly once and the log holds an event per change.
func TestConcurrentUse(t *testing.T) {
	o := newTestOrg(t, Options{RateLimit: 10000})
	const workers, each = 8, 15
	var wg sync.WaitGroup
	errs := make(chan string, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				login := fmt.Sprintf("w%d.u%d@example.com", w, i)
				req, _ := http.NewRequest("POST", o.srv.URL+"/api/v1/users?activate=false",
					stringsReader(`{"profile":{"firstName":"W","lastName":"U","email":"`+login+`","login":"`+login+`"}}`))
				req.Header.Set("Authorization", "SSWS "+o.org.Token())
				resp, err := o.srv.Client().Do(req)
				if err != nil {
					errs <- err.Error()
					continue
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs <- fmt.Sprintf("%s: %d", login, resp.StatusCode)
				}
				_ = o.org.Users()
				_ = o.org.RequestCounts()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if n := len(o.org.Users()); n != workers*each+1 {
		t.Errorf("%d users, want %d", n, workers*each+1)
	}
	if n := o.org.RequestCount("/api/v1/users", http.StatusOK); n != workers*each {
		t.Errorf("%d creates counted", n)
	}
	if n := len(o.do("GET", "/api/v1/logs?limit=1000", "").list(t)); n != workers*each {
		t.Errorf("%d events, want one user.lifecycle.create per user", n)
	}
}

func TestRouting(t *testing.T) {
	o := newTestOrg(t, Options{})
	for _, path := range []string{"/", "/api/v2/users", "/api/v1/apps", "/api/v1/users/x/y/z/w", "/api/v1/users//lifecycle/activate"} {
		wantError(t, o.do("GET", path, ""), http.StatusNotFound, "E0000008", "The requested path was not found")
	}
	for _, c := range []struct{ method, path, allow string }{
		{"DELETE", "/api/v1/users", "GET, POST"},
		{"PATCH", "/api/v1/users/me", "DELETE, GET, POST, PUT"},
		{"POST", "/api/v1/logs", "GET"},
		{"PUT", "/api/v1/meta/schemas/user/default", "GET, POST"},
	} {
		r := o.do(c.method, c.path, "")
		wantError(t, r, http.StatusMethodNotAllowed, "E0000022", "The endpoint does not support the provided HTTP method")
		if got := r.header.Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
		}
	}
	if r := o.do("GET", "/api/v1/agentPools?limitPerPoolType=5&poolType=LDAP", ""); r.status != http.StatusOK || string(r.body) != "[]" {
		t.Errorf("agent pools: %d %s", r.status, r.body)
	}
	mustStatus(t, o.do("GET", "/api/v1/users/", ""), http.StatusOK) // a trailing slash is the same path
}
