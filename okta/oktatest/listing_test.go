package oktatest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestPaginationOverManyUsers follows rel="next" over 451 users: pages of
// the default 200, two Link headers (self, next) until the last page, the
// cursor being the page's last id, every user exactly once.
func TestPaginationOverManyUsers(t *testing.T) {
	o := newTestOrg(t, Options{SeedUsers: 450, Seed: 3})
	path := "/api/v1/users"
	var seen []string
	pages := 0
	for path != "" {
		r := o.do(http.MethodGet, path, "")
		mustStatus(t, r, http.StatusOK)
		pages++
		items := r.list(t)
		if vals := r.header.Values("Link"); len(vals) < 1 || len(vals) > 2 {
			t.Fatalf("page %d: %d Link headers, want self and maybe next as separate headers", pages, len(vals))
		}
		l := r.links()
		if l["self"] == "" {
			t.Fatalf("page %d has no rel=self", pages)
		}
		for _, it := range items {
			seen = append(seen, it.(map[string]any)["id"].(string))
		}
		path = ""
		if next := l["next"]; next != "" {
			if len(items) != 200 {
				t.Errorf("page %d has %d users and a next link, want 200", pages, len(items))
			}
			u, _ := url.Parse(next)
			if u.Query().Get("after") != seen[len(seen)-1] || u.Query().Get("limit") != "200" {
				t.Errorf("next link %s: want after=<last id>&limit=200", next)
			}
			path = u.RequestURI()
		}
	}
	if pages != 3 || len(seen) != 451 {
		t.Fatalf("%d pages, %d users; want 3 pages of 451 users (450 + the admin)", pages, len(seen))
	}
	if !slices.IsSorted(seen) || len(slices.Compact(slices.Clone(seen))) != len(seen) {
		t.Error("users repeat or come out of order across pages")
	}
}

func TestListDefaults(t *testing.T) {
	o := newTestOrg(t, Options{})
	for i := range 12 {
		o.org.AddUser(map[string]any{"login": fmt.Sprintf("amy%02d@example.com", i), "firstName": "Amy", "lastName": fmt.Sprint("Z", i)}, "ACTIVE")
	}
	gone := o.org.AddUser(map[string]any{"login": "amy.gone@example.com", "firstName": "Amy", "lastName": "Gone"}, "DEPROVISIONED")

	all := o.do(http.MethodGet, "/api/v1/users", "")
	if n := len(all.list(t)); n != 13 {
		t.Errorf("plain list: %d users, want 13 (the admin and 12 Amys, no DEPROVISIONED)", n)
	}
	if self := all.links()["self"]; self != o.srv.URL+"/api/v1/users?limit=200" {
		t.Errorf("self link %s, want the default limit 200 spelled out", self)
	}
	q := o.do(http.MethodGet, "/api/v1/users?q=am", "")
	if n := len(q.list(t)); n != 10 {
		t.Errorf("q: %d users, want the default 10", n)
	}
	if _, hasNext := q.links()["next"]; hasNext {
		t.Error("q pages carry no next link: q does not paginate")
	}
	if n := len(o.do(http.MethodGet, "/api/v1/users?q=AMY&limit=50", "").list(t)); n != 12 {
		t.Errorf("q with limit 50: %d users, want 12 (case-insensitive prefix, no DEPROVISIONED)", n)
	}
	if n := len(o.do(http.MethodGet, "/api/v1/users?q=z1", "").list(t)); n != 3 {
		t.Errorf("q=z1 (a last name prefix): %d users, want Z1, Z10, Z11", n)
	}
	for _, query := range []string{"filter=" + url.QueryEscape(`status eq "DEPROVISIONED"`), "search=" + url.QueryEscape(`status eq "deprovisioned"`)} {
		list := o.do(http.MethodGet, "/api/v1/users?"+query, "").list(t)
		if len(list) != 1 || list[0].(map[string]any)["id"] != gone.ID {
			t.Errorf("%s found %v, want the DEPROVISIONED user", query, list)
		}
	}
	if n := len(o.do(http.MethodGet, "/api/v1/users?limit=1000", "").list(t)); n != 13 {
		t.Errorf("limit above 200: %d users", n)
	}
}

func TestSearchAndFilter(t *testing.T) {
	o := newTestOrg(t, Options{CustomAttrs: []Attribute{{Name: "badges", Type: "array"}, {Name: "level", Type: "integer"}}})
	o.createUser("", person("John", "Smith")+`,"badges":["gold","silver"],"level":3`)
	o.createUser("", person("Jane", "Smith")+`,"level":7`)
	o.createUser("?activate=false", person("Ann", "Jones"))
	count := func(param, expr string) int {
		r := o.do(http.MethodGet, "/api/v1/users?"+param+"="+url.QueryEscape(expr), "")
		mustStatus(t, r, http.StatusOK)
		return len(r.list(t))
	}
	cases := []struct {
		param, expr string
		want        int
	}{
		{"search", `profile.lastName eq "smith"`, 2},                                 // values fold case in search
		{"filter", `profile.lastName eq "smith"`, 0},                                 // ... not in filter
		{"filter", `profile.lastName eq "Smith"`, 2},                                 //
		{"search", `profile.firstName eq "John" and profile.lastName eq "Smith"`, 1}, // find by name
		{"search", `profile.lastName eq "Jones" or profile.firstName sw "ja"`, 2},    //
		{"search", `profile.email co "jane"`, 1},                                     //
		{"search", `profile.badges eq "gold"`, 1},                                    // arrays match any element
		{"search", `profile.level gt 5`, 1},                                          // numbers
		{"search", `profile.badges pr`, 1},                                           //
		{"search", `status eq "STAGED"`, 1},                                          //
		{"search", `created gt "2020-01-01T00:00:00.000Z" and (profile.lastName eq "Smith")`, 2},
		{"filter", `status eq "ACTIVE" or status eq "PROVISIONED"`, 3}, // the admin too
	}
	for _, c := range cases {
		if got := count(c.param, c.expr); got != c.want {
			t.Errorf("%s=%s: %d users, want %d", c.param, c.expr, got, c.want)
		}
	}
	for _, c := range []struct{ param, expr string }{
		{"search", `profile.lastName ne "Smith"`},     // ne is not supported
		{"search", `profile.city co "x"`},             // co only on names, email, login
		{"search", `profile.lastName eq`},             // syntax
		{"filter", `profile.city eq "Oslo"`},          // filter attributes are few
		{"filter", `profile.lastName sw "S"`},         // filter is eq only
		{"filter", `not (status eq "ACTIVE")`},        // no not
		{"search", `lastUpdated gt "yesterday"`},      // dates must be dates
		{"search", `(profile.lastName eq "Smith"`},    // unbalanced
		{"search", `profile.lastName eq "Smith" and`}, // dangling
	} {
		wantError(t, o.do(http.MethodGet, "/api/v1/users?"+c.param+"="+url.QueryEscape(c.expr), ""),
			http.StatusBadRequest, "E0000031", "Invalid search criteria.")
	}
	wantError(t, o.do(http.MethodGet, "/api/v1/users?search=status+eq+%22ACTIVE%22&filter=status+eq+%22ACTIVE%22", ""),
		http.StatusBadRequest, "E0000033", "Bad request. Can't specify a search query and filter in the same request.")
}

func TestSearchLinksAndSort(t *testing.T) {
	o := newTestOrg(t, Options{})
	for _, last := range []string{"Cole", "Abbot", "Baker"} {
		o.createUser("", person("Pat", last))
	}
	search := `profile.firstName eq "Pat"`
	r := o.do(http.MethodGet, "/api/v1/users?limit=1&search="+url.QueryEscape(search), "")
	l := r.links()
	// Recorded form (TestAccDataSourceOktaUser_read #15).
	if want := o.srv.URL + "/api/v1/users?limit=1&search=profile.firstName+eq+%22Pat%22"; l["self"] != want {
		t.Errorf("self %s, want %s", l["self"], want)
	}
	first := r.list(t)[0].(map[string]any)["id"].(string)
	if want := o.srv.URL + "/api/v1/users?after=" + first + "&limit=1&search=profile.firstName+eq+%22Pat%22"; l["next"] != want {
		t.Errorf("next %s, want %s", l["next"], want)
	}
	var order []string
	path := "/api/v1/users?limit=2&sortBy=profile.lastName&sortOrder=desc&search=" + url.QueryEscape(search)
	for path != "" {
		r := o.do(http.MethodGet, path, "")
		for _, u := range r.list(t) {
			order = append(order, u.(map[string]any)["profile"].(map[string]any)["lastName"].(string))
		}
		path = ""
		if next := r.links()["next"]; next != "" {
			u, _ := url.Parse(next)
			path = u.RequestURI()
			if !strings.Contains(next, "sortBy=profile.lastName&sortOrder=desc") {
				t.Errorf("next link %s lost the sort", next)
			}
		}
	}
	if !slices.Equal(order, []string{"Cole", "Baker", "Abbot"}) {
		t.Errorf("sorted desc by last name across pages: %v", order)
	}
}

func TestUserSubResources(t *testing.T) {
	o := newTestOrg(t, Options{})
	u := o.org.AddUser(map[string]any{"login": "sub@example.com"}, "ACTIVE")
	g := o.org.AddGroup("Engineering", "Builders")
	r := o.do(http.MethodGet, "/api/v1/users/"+u.ID+"/groups", "")
	mustStatus(t, r, http.StatusOK)
	if list := r.list(t); len(list) != 1 || list[0].(map[string]any)["type"] != "BUILT_IN" {
		t.Errorf("groups of a new user: %v, want only Everyone", list)
	}
	if self := r.links()["self"]; self != o.srv.URL+"/api/v1/users/"+u.ID+"/groups?limit=200" {
		t.Errorf("self %s", self)
	}
	mustStatus(t, o.do(http.MethodPut, "/api/v1/groups/"+g.ID+"/users/"+u.ID, ""), http.StatusNoContent)
	if n := len(o.do(http.MethodGet, "/api/v1/users/"+u.ID+"/groups", "").list(t)); n != 2 {
		t.Errorf("%d groups after joining one", n)
	}
	if roles := o.do(http.MethodGet, "/api/v1/users/"+u.ID+"/roles", ""); string(roles.body) != "[]" {
		t.Errorf("roles of a plain user: %s, want []", roles.body)
	}
	mustStatus(t, o.do(http.MethodGet, "/api/v1/users/00unobody/groups", ""), http.StatusNotFound)
}
