package oktatest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// eventTypes lists the eventType of each event of a page.
func eventTypes(t *testing.T, r response) []string {
	t.Helper()
	var out []string
	for _, e := range r.list(t) {
		out = append(out, e.(map[string]any)["eventType"].(string))
	}
	return out
}

// nextPath is the path and query of a page's rel="next" link.
func nextPath(t *testing.T, r response) string {
	t.Helper()
	next := r.links()["next"]
	if next == "" {
		t.Fatalf("no rel=next on %s", r.body)
	}
	u, _ := url.Parse(next)
	return u.RequestURI()
}

func TestLogEventsFollowChanges(t *testing.T) {
	o := newTestOrg(t, Options{})
	since := url.QueryEscape(epoch.Format(time.RFC3339))
	u := o.createUser("?activate=false", person("Ann", "Lee"))
	id := u["id"].(string)
	g := o.org.AddGroup("Ops", "")
	for _, step := range []string{"lifecycle/activate", "lifecycle/deactivate", "lifecycle/activate"} {
		o.do(http.MethodPost, "/api/v1/users/"+id+"/"+step, "")
	}
	o.do(http.MethodPut, "/api/v1/groups/"+g.ID+"/users/"+id, "")
	o.do(http.MethodDelete, "/api/v1/users/"+id, "")
	o.do(http.MethodDelete, "/api/v1/users/"+id, "")
	r := o.do(http.MethodGet, "/api/v1/logs?since="+since, "")
	mustStatus(t, r, http.StatusOK)
	want := []string{"user.lifecycle.create", "group.lifecycle.create", "user.lifecycle.activate", "user.lifecycle.deactivate",
		"user.lifecycle.activate", "group.user_membership.add", "user.lifecycle.deactivate",
		"user.lifecycle.delete.initiated", "user.lifecycle.delete.completed"}
	if got := eventTypes(t, r); !slices.Equal(got, want) {
		t.Fatalf("events %v\nwant %v", got, want)
	}
	ev := r.list(t)[0].(map[string]any)
	wantKeys := []string{"actor", "authenticationContext", "client", "debugContext", "device", "displayMessage", "eventType",
		"legacyEventType", "outcome", "published", "request", "securityContext", "severity", "target", "transaction", "uuid", "version"}
	if got := keys(ev); !slices.Equal(got, wantKeys) {
		t.Errorf("LogEvent keys %v", got)
	}
	target := ev["target"].([]any)[0].(map[string]any)
	if target["id"] != id || target["type"] != "User" || target["alternateId"] != "ann.lee@example.com" || target["displayName"] != "Ann Lee" {
		t.Errorf("target %v", target)
	}
	if actor := ev["actor"].(map[string]any); actor["alternateId"] != "admin@example.com" {
		t.Errorf("actor %v, want the token's admin", actor)
	}
	if ev["displayMessage"] != "Create Okta user" || ev["legacyEventType"] != "core.user.config.user_creation.success" || ev["severity"] != "INFO" {
		t.Errorf("event %v", ev)
	}
	debug := ev["debugContext"].(map[string]any)["debugData"].(map[string]any)
	if debug["requestUri"] != "/api/v1/users" {
		t.Errorf("debugData %v", debug)
	}
}

func TestLogPolling(t *testing.T) {
	o := newTestOrg(t, Options{})
	r := o.do(http.MethodGet, "/api/v1/logs?since="+url.QueryEscape(epoch.Format(time.RFC3339))+"&limit=2", "")
	if n := len(r.list(t)); n != 0 {
		t.Fatalf("%d events in a new org", n)
	}
	poll := nextPath(t, r) // polling requests always carry next, even empty
	// Nothing new: the next link comes back unchanged.
	r = o.do(http.MethodGet, poll, "")
	if len(r.list(t)) != 0 || nextPath(t, r) != poll {
		t.Fatalf("an empty poll moved the cursor: %s", nextPath(t, r))
	}
	o.advance(time.Second)
	for _, n := range []string{"A", "B", "C"} {
		o.createUser("", person(n, "Poll"))
	}
	var got []string
	for range 4 {
		r = o.do(http.MethodGet, poll, "")
		got = append(got, eventTypes(t, r)...)
		poll = nextPath(t, r)
	}
	want := []string{"user.lifecycle.create", "user.lifecycle.activate", "user.lifecycle.create", "user.lifecycle.activate", "user.lifecycle.create", "user.lifecycle.activate"}
	if !slices.Equal(got, want) {
		t.Fatalf("polled %v, want %v", got, want)
	}
	if q, _ := url.ParseQuery(poll[len("/api/v1/logs?"):]); q.Get("limit") != "2" || q.Has("since") {
		t.Errorf("next link %s: want limit kept and since dropped for after", poll)
	}
	// A filtered poll sees only its events.
	r = o.do(http.MethodGet, "/api/v1/logs?since="+url.QueryEscape(epoch.Format(time.RFC3339))+"&filter="+url.QueryEscape(`eventType eq "user.lifecycle.activate" and target.alternateId sw "b."`), "")
	if got := eventTypes(t, r); len(got) != 1 {
		t.Errorf("filtered poll: %v", got)
	}
	if r.links()["next"] == "" {
		t.Error("a filtered poll has no next link")
	}
	// A poll whose filter matches nothing still moves past what it looked at.
	r = o.do(http.MethodGet, "/api/v1/logs?filter="+url.QueryEscape(`eventType eq "user.account.unlock"`), "")
	if len(r.list(t)) != 0 || !strings.Contains(r.links()["next"], "_6&filter=") {
		t.Errorf("empty filtered poll: next %s, want the cursor past all 6 events", r.links()["next"])
	}
	if got := eventTypes(t, o.do(http.MethodGet, "/api/v1/logs?q=c.poll%40example.com", "")); len(got) != 2 {
		t.Errorf("q by login: %v", got)
	}
}

func TestLogBoundedQueries(t *testing.T) {
	o := newTestOrg(t, Options{})
	for _, n := range []string{"A", "B", "C", "D"} { // created at 0, 1, 2 and 3 minutes
		o.createUser("?activate=false", person(n, "Bound"))
		o.advance(time.Minute)
	}
	since := url.QueryEscape(epoch.Format(time.RFC3339))
	until := url.QueryEscape(epoch.Add(150 * time.Second).Format(time.RFC3339)) // A, B and C, not D
	r := o.do(http.MethodGet, "/api/v1/logs?since="+since+"&until="+until+"&limit=2", "")
	if n := len(r.list(t)); n != 2 {
		t.Fatalf("first bounded page: %d events", n)
	}
	r = o.do(http.MethodGet, nextPath(t, r), "")
	if n := len(r.list(t)); n != 1 {
		t.Fatalf("last bounded page: %d events, want 1", n)
	}
	if _, has := r.links()["next"]; has {
		t.Error("the last page of a bounded query has a next link")
	}
	r = o.do(http.MethodGet, "/api/v1/logs?sortOrder=DESCENDING&limit=1", "")
	newest := r.list(t)[0].(map[string]any)["target"].([]any)[0].(map[string]any)["alternateId"]
	if newest != "d.bound@example.com" {
		t.Errorf("DESCENDING starts with %v", newest)
	}
	r = o.do(http.MethodGet, nextPath(t, r), "")
	if next := r.list(t)[0].(map[string]any)["target"].([]any)[0].(map[string]any)["alternateId"]; next != "c.bound@example.com" {
		t.Errorf("DESCENDING page 2 starts with %v", next)
	}
}

func TestLogQueryErrors(t *testing.T) {
	o := newTestOrg(t, Options{})
	wantError(t, o.do(http.MethodGet, "/api/v1/logs?until=yesterday", ""), http.StatusBadRequest, "E0000001",
		"Api validation failed: 'until': The date format in your query is not recognized. Please enter dates using ISO8601 string format. 'until': must be a valid date-time or empty.",
		"until: The date format in your query is not recognized. Please enter dates using ISO8601 string format.",
		"until: must be a valid date-time or empty.")
	old := url.QueryEscape(epoch.Add(-181 * 24 * time.Hour).Format(time.RFC3339))
	wantError(t, o.do(http.MethodGet, "/api/v1/logs?since="+old, ""), http.StatusBadRequest, "E0000053",
		"Invalid parameter: The since parameter is over 180 days prior to the current day.")
	r := o.do(http.MethodGet, "/api/v1/logs?filter="+url.QueryEscape(`eventType eqq "x"`), "")
	mustStatus(t, r, http.StatusBadRequest)
	if e := r.object(t); e["errorCode"] != "E0000053" || e["errorSummary"].(string)[:30] != `Invalid filter 'eventType eqq ` {
		t.Errorf("bad filter: %v", e)
	}
	r = o.do(http.MethodGet, "/api/v1/logs?filter="+url.QueryEscape(`published gt "2020-01-01T00:00:00Z"`), "")
	if e := r.object(t); e["errorCode"] != "E0000053" {
		t.Errorf("filter on published: %v", e)
	}
	wantError(t, o.do(http.MethodGet, "/api/v1/logs?q="+url.QueryEscape("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), ""), http.StatusBadRequest, "E0000001",
		"Api validation failed: 'q': Freeform search cannot contain items longer than 40 characters. Please shorten the items in your search or use an advanced filter to query by specific fields.")
	wantError(t, o.do(http.MethodGet, "/api/v1/logs?after=garbage", ""), http.StatusBadRequest, "E0000053",
		"Invalid parameter: The after parameter is not a valid cursor.")
}
