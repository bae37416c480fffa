package oktatest

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestSearchLag checks Options.SearchLag: search, filter and q see a change
// only after the lag, GET by id or login at once.
func TestSearchLag(t *testing.T) {
	o := newTestOrg(t, Options{SearchLag: 2 * time.Second})
	seeded := o.org.AddUser(map[string]any{"login": "seed@example.com", "firstName": "Seed", "lastName": "User"}, "ACTIVE")
	byName := "/api/v1/users?search=" + url.QueryEscape(`profile.firstName eq "Ann" and profile.lastName eq "Lee"`)
	count := func(path string) int { return len(o.do(http.MethodGet, path, "").list(t)) }

	if n := count("/api/v1/users?q=seed"); n != 1 {
		t.Errorf("a user added directly is indexed at once; q found %d", n)
	}
	id := o.createUser("", person("Ann", "Lee"))["id"].(string)
	mustStatus(t, o.do(http.MethodGet, "/api/v1/users/ann.lee@example.com", ""), http.StatusOK)
	if n := count(byName); n != 0 {
		t.Errorf("search found a user created within the lag (%d)", n)
	}
	if n := count("/api/v1/users?filter=" + url.QueryEscape(`profile.login eq "ann.lee@example.com"`)); n != 0 {
		t.Errorf("filter found a user created within the lag (%d)", n)
	}
	if n := count("/api/v1/users"); n != 3 {
		t.Errorf("a plain listing is not lagged; it has %d users", n)
	}
	o.advance(2 * time.Second)
	if n := count(byName); n != 1 {
		t.Fatalf("search after the lag found %d", n)
	}

	// A change shows late, with the old state meanwhile.
	mustStatus(t, o.do(http.MethodPost, "/api/v1/users/"+id, `{"profile":{"lastName":"Moss"}}`), http.StatusOK)
	if n := count(byName); n != 1 {
		t.Errorf("the old name is still indexed within the lag; found %d", n)
	}
	o.advance(2 * time.Second)
	if n := count(byName); n != 0 {
		t.Errorf("the old name still found after the lag (%d)", n)
	}

	// A deleted user is found until the lag passes, though GET is 404.
	mustStatus(t, o.do(http.MethodDelete, "/api/v1/users/"+seeded.ID, ""), http.StatusNoContent)
	mustStatus(t, o.do(http.MethodDelete, "/api/v1/users/"+seeded.ID, ""), http.StatusNoContent)
	mustStatus(t, o.do(http.MethodGet, "/api/v1/users/"+seeded.ID, ""), http.StatusNotFound)
	if n := count("/api/v1/users?search=" + url.QueryEscape(`id eq "`+seeded.ID+`"`)); n != 1 {
		t.Errorf("search lost a user deleted within the lag (%d)", n)
	}
	o.advance(2 * time.Second)
	if n := count("/api/v1/users?search=" + url.QueryEscape(`id eq "`+seeded.ID+`"`)); n != 0 {
		t.Errorf("search still finds a deleted user after the lag (%d)", n)
	}

	// Groups: a new group is not found by q or search within the lag.
	r := o.do(http.MethodPost, "/api/v1/groups", `{"profile":{"name":"Movers"}}`)
	mustStatus(t, r, http.StatusOK)
	gid := r.object(t)["id"].(string)
	mustStatus(t, o.do(http.MethodGet, "/api/v1/groups/"+gid, ""), http.StatusOK)
	if n := count("/api/v1/groups?q=Movers"); n != 0 {
		t.Errorf("q found a group created within the lag")
	}
	o.advance(2 * time.Second)
	if n := count("/api/v1/groups?search=" + url.QueryEscape(`profile.name eq "Movers"`)); n != 1 {
		t.Errorf("search after the lag found %d groups", n)
	}

	// Switching the lag off makes the index the org again.
	o.createUser("", person("Cat", "Poe"))
	o.org.SetSearchLag(0)
	if n := count("/api/v1/users?q=Cat"); n != 1 {
		t.Errorf("without lag q found %d", n)
	}
}
