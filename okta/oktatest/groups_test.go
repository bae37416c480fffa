package oktatest

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"testing"
)

func TestGroups(t *testing.T) {
	o := newTestOrg(t, Options{})
	r := o.do(http.MethodPost, "/api/v1/groups", `{"profile":{"name":"Sales EMEA","description":"Sellers"}}`)
	mustStatus(t, r, http.StatusOK)
	g := r.object(t)
	id := g["id"].(string)
	if !regexp.MustCompile(`^00g[0-9A-Za-z]{17}$`).MatchString(id) || g["type"] != "OKTA_GROUP" {
		t.Errorf("created group %v", g)
	}
	// The recorded Group shape (Everyone in TestAccDataSourceOktaUser_read #24).
	if got := keys(g); !slices.Equal(got, []string{"_links", "created", "id", "lastMembershipUpdated", "lastUpdated", "objectClass", "profile", "type"}) {
		t.Errorf("group keys %v", got)
	}
	if got := keys(g["_links"].(map[string]any)); !slices.Equal(got, []string{"apps", "logo", "owners", "users"}) {
		t.Errorf("group _links %v", got)
	}
	wantError(t, o.do(http.MethodPost, "/api/v1/groups", `{"profile":{"name":"sales emea"}}`), http.StatusBadRequest, "E0000001",
		"Api validation failed: name", "name: An object with this field already exists in the current organization")
	wantError(t, o.do(http.MethodPost, "/api/v1/groups", `{"profile":{}}`), http.StatusBadRequest, "E0000001",
		"Api validation failed: name", "name: The field cannot be left blank")
	o.do(http.MethodPost, "/api/v1/groups", `{"profile":{"name":"Sales APAC"}}`)
	o.do(http.MethodPost, "/api/v1/groups", `{"profile":{"name":"Support"}}`)

	names := func(query string) []string {
		var out []string
		for _, g := range o.do(http.MethodGet, "/api/v1/groups?"+query, "").list(t) {
			out = append(out, g.(map[string]any)["profile"].(map[string]any)["name"].(string))
		}
		return out
	}
	if got := names("q=sales"); !slices.Equal(got, []string{"Sales EMEA", "Sales APAC"}) {
		t.Errorf("q=sales: %v", got)
	}
	if got := names("search=" + url.QueryEscape(`type eq "BUILT_IN"`)); !slices.Equal(got, []string{"Everyone"}) {
		t.Errorf("search BUILT_IN: %v", got)
	}
	if got := names("search=" + url.QueryEscape(`profile.name sw "s" and type eq "OKTA_GROUP"`)); len(got) != 3 {
		t.Errorf("search by name prefix: %v", got)
	}
	wantError(t, o.do(http.MethodGet, "/api/v1/groups?search="+url.QueryEscape(`profile.name eq`), ""), http.StatusBadRequest, "E0000031", "Invalid search criteria.", "Invalid search syntax.")
	if got := names("limit=2"); len(got) != 2 {
		t.Errorf("limit=2: %v", got)
	}

	mustStatus(t, o.do(http.MethodGet, "/api/v1/groups/"+id, ""), http.StatusOK)
	wantError(t, o.do(http.MethodGet, "/api/v1/groups/00gnope", ""), http.StatusNotFound, "E0000007", "Not found: Resource not found: 00gnope (UserGroup)")
}

func TestGroupMembership(t *testing.T) {
	o := newTestOrg(t, Options{})
	g := o.org.AddGroup("Ops", "On call")
	u := o.org.AddUser(map[string]any{"login": "m@example.com"}, "ACTIVE")
	add := "/api/v1/groups/" + g.ID + "/users/" + u.ID
	r := o.do(http.MethodPut, add, "")
	if r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("PUT membership: %d %q, want 204 without a body", r.status, r.body)
	}
	mustStatus(t, o.do(http.MethodPut, add, ""), http.StatusNoContent) // idempotent
	members := o.do(http.MethodGet, "/api/v1/groups/"+g.ID+"/users", "").list(t)
	if len(members) != 1 || members[0].(map[string]any)["id"] != u.ID {
		t.Fatalf("members %v", members)
	}
	if got := keys(members[0].(map[string]any)["_links"].(map[string]any)); !slices.Equal(got, []string{"self"}) {
		t.Errorf("members carry _links %v, want only self", got)
	}
	if st := o.org.Groups()[1]; !slices.Equal(st.MemberIDs, []string{u.ID}) {
		t.Errorf("GroupState %+v", st)
	}
	if everyone := o.org.Groups()[0]; everyone.Name != "Everyone" || len(everyone.MemberIDs) != 2 {
		t.Errorf("Everyone = %+v, want the admin and the new user", everyone)
	}
	mustStatus(t, o.do(http.MethodDelete, add, ""), http.StatusNoContent)
	mustStatus(t, o.do(http.MethodDelete, add, ""), http.StatusNoContent)
	if st, _ := o.org.UserByLogin("m@example.com"); len(st.GroupIDs) != 0 {
		t.Errorf("GroupIDs after removal %v", st.GroupIDs)
	}
	wantError(t, o.do(http.MethodPut, "/api/v1/groups/"+g.ID+"/users/00unobody", ""), http.StatusNotFound, "E0000007", "Not found: Resource not found: 00unobody (User)")
	everyone := o.org.Groups()[0].ID
	wantError(t, o.do(http.MethodPut, "/api/v1/groups/"+everyone+"/users/"+u.ID, ""), http.StatusForbidden, "E0000006",
		"You do not have permission to perform the requested action")
	wantError(t, o.do(http.MethodDelete, "/api/v1/groups/"+everyone, ""), http.StatusForbidden, "E0000006",
		"You do not have permission to perform the requested action")
	mustStatus(t, o.do(http.MethodDelete, "/api/v1/groups/"+g.ID, ""), http.StatusNoContent)
	mustStatus(t, o.do(http.MethodGet, "/api/v1/groups/"+g.ID, ""), http.StatusNotFound)
}

func TestAddGroupRefusesDuplicates(t *testing.T) {
	o := newTestOrg(t, Options{})
	o.org.AddGroup("Ops", "")
	defer func() {
		if recover() == nil {
			t.Error("AddGroup of an existing name did not panic")
		}
	}()
	o.org.AddGroup("OPS", "")
}
