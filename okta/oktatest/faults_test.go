package oktatest

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// statuses runs n requests and lists their statuses.
func statuses(o *testOrg, n int) []int {
	var out []int
	for range n {
		out = append(out, o.do("GET", "/api/v1/users/me", "").status)
	}
	return out
}

func TestFaultsAreDeterministic(t *testing.T) {
	a := statuses(newTestOrg(t, Options{Seed: 42, FaultRate: 0.5}), 40)
	b := statuses(newTestOrg(t, Options{Seed: 42, FaultRate: 0.5}), 40)
	c := statuses(newTestOrg(t, Options{Seed: 43, FaultRate: 0.5}), 40)
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different faults:\n%v\n%v", a, b)
	}
	if slices.Equal(a, c) {
		t.Errorf("seeds 42 and 43 gave the same faults %v", a)
	}
	if !slices.Contains(a, 500) || !slices.Contains(a, 200) {
		t.Errorf("a fault rate of 0.5 gave %v", a)
	}
}

func TestInjected500IsNotApplied(t *testing.T) {
	o := newTestOrg(t, Options{FaultRate: 1})
	wantError(t, o.do("POST", "/api/v1/users", `{"profile":{`+person("Ann", "Lee")+`}}`), http.StatusInternalServerError, "E0000009", "Internal Server Error")
	if _, found := o.org.UserByLogin("ann.lee@example.com"); found {
		t.Error("a request answered 500 was applied")
	}
	o.org.SetFaults(0, 0, 0)
	mustStatus(t, o.do("GET", "/api/v1/users/me", ""), http.StatusOK)
}

func TestDroppedConnectionIsApplied(t *testing.T) {
	o := newTestOrg(t, Options{DropRate: 1})
	req, _ := http.NewRequest("POST", o.srv.URL+"/api/v1/users", strings.NewReader(`{"profile":{`+person("Ann", "Lee")+`}}`))
	req.Header.Set("Authorization", "SSWS "+o.org.Token())
	resp, err := o.srv.Client().Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("the connection was not dropped: %d", resp.StatusCode)
	}
	if _, found := o.org.UserByLogin("ann.lee@example.com"); !found {
		t.Error("a dropped create was not applied")
	}
	if n := o.org.RequestCount("/api/v1/users", StatusDropped); n != 1 {
		t.Errorf("dropped requests counted: %d", n)
	}
	// Reads are never dropped; refused changes neither (nothing applied).
	mustStatus(t, o.do("GET", "/api/v1/users/me", ""), http.StatusOK)
	mustStatus(t, o.do("POST", "/api/v1/users", `{"profile":{`+person("Ann", "Lee")+`}}`), http.StatusBadRequest)
}

func TestStorm(t *testing.T) {
	o := newTestOrg(t, Options{RateLimit: 100})
	o.org.Storm(90 * time.Second)
	for _, path := range []string{"/api/v1/users/me", "/api/v1/logs", "/api/v1/groups"} {
		r := o.do("GET", path, "")
		wantError(t, r, http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
		if r.header.Get("X-Rate-Limit-Remaining") != "0" || atoi(t, r.header.Get("X-Rate-Limit-Reset")) != epoch.Add(90*time.Second).Unix() {
			t.Errorf("storm headers Remaining %s Reset %s", r.header.Get("X-Rate-Limit-Remaining"), r.header.Get("X-Rate-Limit-Reset"))
		}
	}
	o.advance(90 * time.Second)
	r := o.do("GET", "/api/v1/users/me", "")
	mustStatus(t, r, http.StatusOK)
	if r.header.Get("X-Rate-Limit-Remaining") != "99" {
		t.Errorf("storm 429s used the bucket: Remaining %s", r.header.Get("X-Rate-Limit-Remaining"))
	}
}

func TestIDsAreDeterministic(t *testing.T) {
	ids := func(seed int64) []string {
		o := newTestOrg(t, Options{Seed: seed, SeedUsers: 3})
		o.createUser("", person("Ann", "Lee"))
		var out []string
		for _, u := range o.org.Users() {
			out = append(out, u.ID+" "+u.Login)
		}
		return append(out, o.org.Groups()[0].ID)
	}
	if a, b := ids(5), ids(5); !slices.Equal(a, b) {
		t.Errorf("same seed, different ids:\n%v\n%v", a, b)
	}
	if a, b := ids(5), ids(6); slices.Equal(a, b) {
		t.Error("different seeds, same ids")
	}
}
