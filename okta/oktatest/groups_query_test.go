package oktatest

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"
)

// groupNames lists the profile names of a groups page.
func groupNames(t *testing.T, r response) []string {
	t.Helper()
	mustStatus(t, r, http.StatusOK)
	var out []string
	for _, g := range r.list(t) {
		out = append(out, g.(map[string]any)["profile"].(map[string]any)["name"].(string))
	}
	return out
}

func TestGroupFilter(t *testing.T) {
	o := newTestOrg(t, Options{})
	eng := o.org.AddGroup("Engineering", "Builders")
	o.advance(time.Hour)
	sales := o.org.AddGroup("Sales", "")
	get := func(filter string) response {
		return o.do(http.MethodGet, "/api/v1/groups?filter="+url.QueryEscape(filter), "")
	}
	if got := groupNames(t, get(`type eq "OKTA_GROUP"`)); !slices.Equal(got, []string{"Engineering", "Sales"}) {
		t.Errorf(`type eq "OKTA_GROUP": %v`, got)
	}
	if got := groupNames(t, get(`id eq "`+sales.ID+`"`)); !slices.Equal(got, []string{"Sales"}) {
		t.Errorf("id eq: %v", got)
	}
	since := timeJSON(epoch.Add(30 * time.Minute)).(string)
	if got := groupNames(t, get(`type eq "OKTA_GROUP" and lastUpdated gt "`+since+`"`)); !slices.Equal(got, []string{"Sales"}) {
		t.Errorf("lastUpdated gt: %v", got)
	}
	if got := groupNames(t, get(`type eq "okta_group"`)); len(got) != 0 {
		t.Errorf("filter values are case-sensitive, got %v", got)
	}
	// Okta refuses a filter on the name (okta/okta-sdk-java#593) with no cause.
	wantError(t, get(`profile.name eq "Engineering"`), http.StatusBadRequest, "E0000031", "Invalid search criteria.")
	wantError(t, get(`type eq`), http.StatusBadRequest, "E0000031", "Invalid search criteria.")
	wantError(t, o.do(http.MethodGet, "/api/v1/groups?filter="+url.QueryEscape(`type eq "OKTA_GROUP"`)+"&search="+url.QueryEscape(`id pr`), ""),
		http.StatusBadRequest, "E0000033", "Bad request. Can't specify a search query and filter in the same request.")

	// filter pages like every collection: Link self and next.
	r := o.do(http.MethodGet, "/api/v1/groups?limit=1&filter="+url.QueryEscape(`type eq "OKTA_GROUP"`), "")
	if got := groupNames(t, r); !slices.Equal(got, []string{"Engineering"}) {
		t.Fatalf("first page %v", got)
	}
	next := r.links()["next"]
	if next == "" {
		t.Fatalf("no next link: %v", r.header.Values("Link"))
	}
	u, _ := url.Parse(next)
	if u.Query().Get("after") != eng.ID || u.Query().Get("filter") != `type eq "OKTA_GROUP"` || u.Query().Get("limit") != "1" {
		t.Errorf("next link %s", next)
	}
	r = o.do(http.MethodGet, u.RequestURI(), "")
	if got := groupNames(t, r); !slices.Equal(got, []string{"Sales"}) || r.links()["next"] != "" {
		t.Errorf("second page %v, links %v", got, r.header.Values("Link"))
	}
}

func TestGroupSearchAndQ(t *testing.T) {
	o := newTestOrg(t, Options{})
	o.org.AddGroup("West Coast users", "Pacific")
	o.org.AddGroup("West Coast admins", "")
	o.org.AddGroup("East Coast users", "Atlantic")
	search := func(s string) response {
		return o.do(http.MethodGet, "/api/v1/groups?search="+url.QueryEscape(s), "")
	}
	// search values are case-insensitive, an exact name finds one group.
	if got := groupNames(t, search(`profile.name eq "west coast USERS"`)); !slices.Equal(got, []string{"West Coast users"}) {
		t.Errorf("search by name: %v", got)
	}
	if got := groupNames(t, search(`profile.name co "coast" and profile.description pr`)); !slices.Equal(got, []string{"West Coast users", "East Coast users"}) {
		t.Errorf("co and pr: %v", got)
	}
	if got := groupNames(t, o.do(http.MethodGet, "/api/v1/groups?sortBy=profile.name&sortOrder=desc&search="+url.QueryEscape(`type eq "OKTA_GROUP"`), "")); !slices.Equal(got, []string{"West Coast users", "West Coast admins", "East Coast users"}) {
		t.Errorf("sorted search: %v", got)
	}
	// A search Okta cannot parse names the syntax (okta/okta-powershell-cli#48);
	// one it parses but does not support has no cause.
	wantError(t, search(`profile.name eq`), http.StatusBadRequest, "E0000031", "Invalid search criteria.", "Invalid search syntax.")
	wantError(t, search(`type co "GROUP"`), http.StatusBadRequest, "E0000031", "Invalid search criteria.")

	// q is a prefix of the name, not paged: no Link header (recorded
	// TestGroupsResource.test_search_group), limit only.
	r := o.do(http.MethodGet, "/api/v1/groups?q=west", "")
	if got := groupNames(t, r); !slices.Equal(got, []string{"West Coast users", "West Coast admins"}) {
		t.Errorf("q=west: %v", got)
	}
	if l := r.header.Values("Link"); len(l) != 0 {
		t.Errorf("q answered Link %v, want none", l)
	}
	if got := groupNames(t, o.do(http.MethodGet, "/api/v1/groups?q=west&limit=1", "")); len(got) != 1 {
		t.Errorf("q with limit=1: %v", got)
	}
	// No query: every group, self link with the default limit 10000 (recorded).
	r = o.do(http.MethodGet, "/api/v1/groups", "")
	if got := groupNames(t, r); len(got) != 4 || got[0] != "Everyone" {
		t.Errorf("all groups %v", got)
	}
	if self := r.links()["self"]; self != o.srv.URL+"/api/v1/groups?limit=10000" {
		t.Errorf("self link %q", self)
	}
}

func TestReplaceGroup(t *testing.T) {
	o := newTestOrg(t, Options{})
	g := o.org.AddGroup("Ops", "On call")
	o.org.AddGroup("Support", "")
	o.advance(time.Minute)
	path := "/api/v1/groups/" + g.ID
	r := o.do(http.MethodPut, path, `{"profile":{"name":"Operations"}}`)
	mustStatus(t, r, http.StatusOK)
	got := r.object(t)
	profile := got["profile"].(map[string]any)
	// PUT replaces the profile: the description not sent is gone (null, as
	// a group created without one is recorded).
	if profile["name"] != "Operations" || profile["description"] != nil {
		t.Errorf("profile after PUT %v", profile)
	}
	if got["lastUpdated"] != timeJSON(epoch.Add(time.Minute)) || got["created"] != timeJSON(epoch) {
		t.Errorf("created %v lastUpdated %v", got["created"], got["lastUpdated"])
	}
	if st := o.org.Groups()[1]; st.Name != "Operations" || st.Description != "" {
		t.Errorf("GroupState %+v", st)
	}
	if ev := findEvent(t, o, "group.profile.update"); ev["target"].([]any)[0].(map[string]any)["displayName"] != "Operations" {
		t.Errorf("group.profile.update event %v", ev)
	}
	wantError(t, o.do(http.MethodPut, path, `{"profile":{"name":"support"}}`), http.StatusBadRequest, "E0000001",
		"Api validation failed: name", "name: An object with this field already exists in the current organization")
	wantError(t, o.do(http.MethodPut, path, `{"profile":{"name":" "}}`), http.StatusBadRequest, "E0000001",
		"Api validation failed: name", "name: The field cannot be left blank")
	wantError(t, o.do(http.MethodPut, path, `{"profile":`), http.StatusBadRequest, "E0000003", "The request body was not well-formed.")
	wantError(t, o.do(http.MethodPut, "/api/v1/groups/00gnope", `{"profile":{"name":"x"}}`), http.StatusNotFound, "E0000007",
		"Not found: Resource not found: 00gnope (UserGroup)")
	everyone := o.org.Groups()[0].ID
	wantError(t, o.do(http.MethodPut, "/api/v1/groups/"+everyone, `{"profile":{"name":"All"}}`), http.StatusForbidden, "E0000006",
		"You do not have permission to perform the requested action")
	// Renaming to its own name in another case is not a clash with itself.
	mustStatus(t, o.do(http.MethodPut, path, `{"profile":{"name":"OPERATIONS","description":"24/7"}}`), http.StatusOK)
}

func TestGroupMembersPaging(t *testing.T) {
	o := newTestOrg(t, Options{})
	g := o.org.AddGroup("Ops", "")
	var ids []string
	for _, login := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		u := o.org.AddUser(map[string]any{"login": login}, "ACTIVE")
		mustStatus(t, o.do(http.MethodPut, "/api/v1/groups/"+g.ID+"/users/"+u.ID, ""), http.StatusNoContent)
		ids = append(ids, u.ID)
	}
	r := o.do(http.MethodGet, "/api/v1/groups/"+g.ID+"/users", "")
	// Recorded: <…/groups/{id}/users?limit=1000>; rel="self".
	if self := r.links()["self"]; self != o.srv.URL+"/api/v1/groups/"+g.ID+"/users?limit=1000" {
		t.Errorf("self link %q", self)
	}
	r = o.do(http.MethodGet, "/api/v1/groups/"+g.ID+"/users?limit=2", "")
	if n := len(r.list(t)); n != 2 || r.links()["next"] == "" {
		t.Fatalf("first page of 2: %d users, links %v", n, r.header.Values("Link"))
	}
	next, _ := url.Parse(r.links()["next"])
	last := o.do(http.MethodGet, next.RequestURI(), "").list(t)
	if len(last) != 1 || last[0].(map[string]any)["id"] != ids[2] {
		t.Errorf("last page %v", last)
	}
	// The user's own groups: Everyone and Ops.
	mine := o.do(http.MethodGet, "/api/v1/users/"+ids[0]+"/groups", "")
	if got := groupNames(t, mine); !slices.Equal(got, []string{"Everyone", "Ops"}) {
		t.Errorf("user groups %v", got)
	}
}

// findEvent is the newest System Log event of a type.
func findEvent(t *testing.T, o *testOrg, eventType string) map[string]any {
	t.Helper()
	events := o.do(http.MethodGet, "/api/v1/logs?limit=1000&filter="+url.QueryEscape(`eventType eq "`+eventType+`"`), "").list(t)
	if len(events) == 0 {
		t.Fatalf("the System Log has no %s event", eventType)
	}
	return events[len(events)-1].(map[string]any)
}
