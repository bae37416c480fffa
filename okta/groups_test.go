package okta

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
)

const groupJSON = `{"id":"00g1","created":"2026-01-06T09:19:35.000Z","lastUpdated":"2026-01-06T09:19:35.000Z","lastMembershipUpdated":"2026-03-01T19:20:57.000Z","objectClass":["okta:user_group"],"type":"OKTA_GROUP","profile":{"name":"Eng","description":"Engineers"},"_links":{"logo":[{"name":"medium","href":"x","type":"image/png"}],"users":{"href":"{base}/api/v1/groups/00g1/users"}}}`

func TestGroups(t *testing.T) {
	c, _, _ := scripted(t, []exchange{
		{method: "GET", path: "/api/v1/groups", query: url.Values{"search": {`profile.name eq "Eng"`}},
			resp: `[{"id":"00g0","profile":{"name":"Engineering"}}]`, header: links("next", "{base}/api/v1/groups?after=00g0&search=x")},
		{method: "GET", path: "/api/v1/groups", rawQuery: "after=00g0&search=x", resp: "[" + groupJSON + "]"},
		{method: "GET", path: "/api/v1/groups", query: url.Values{"search": {`profile.name eq "Nope"`}}, resp: `[]`},
		{method: "GET", path: "/api/v1/groups", query: url.Values{"q": {"Nope"}}, resp: `[{"id":"00g9","profile":{"name":"Nopers"}}]`},
		{method: "GET", path: "/api/v1/groups", resp: `[]`},
		{method: "POST", path: "/api/v1/groups", body: `{"profile":{"name":"New","description":"Fresh"}}`, resp: groupJSON},
		{method: "POST", path: "/api/v1/groups", body: `{"profile":{"name":"Bare"}}`, resp: groupJSON},
		{method: "PUT", path: "/api/v1/groups/00g1/users/00u%2F1", status: 204},
	})
	ctx := context.Background()
	g, err := c.FindGroupByName(ctx, "Eng")
	if err != nil || g.ID != "00g1" || g.Name() != "Eng" || g.Description() != "Engineers" || g.Type != "OKTA_GROUP" {
		t.Fatalf("FindGroupByName = %+v, %v", g, err)
	}
	if g, err := c.FindGroupByName(ctx, "Nope"); g != nil || !IsNotFound(err) {
		t.Fatalf("FindGroupByName(missing) = %v, %v", g, err)
	}
	var n int
	for _, err := range c.ListGroups(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 0 {
		t.Fatalf("ListGroups yielded %d", n)
	}
	if g, err := c.CreateGroup(ctx, "New", "Fresh"); err != nil || g.ID != "00g1" {
		t.Fatalf("CreateGroup = %v, %v", g, err)
	}
	if _, err := c.CreateGroup(ctx, "Bare", ""); err != nil {
		t.Fatal(err)
	}
	if err := c.AddUserToGroup(ctx, "00g1", "00u/1"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []func() error{
		func() error { _, err := c.CreateGroup(ctx, " ", ""); return err },
		func() error { _, err := c.FindGroupByName(ctx, ""); return err },
		func() error { return c.AddUserToGroup(ctx, "", "00u1") },
	} {
		if bad() == nil {
			t.Error("invalid input accepted")
		}
	}
}

func TestGroupRoundTrip(t *testing.T) {
	var g Group
	if err := json.Unmarshal([]byte(groupJSON), &g); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(g)
	assertSameJSON(t, groupJSON, string(out))
}

func TestFindGroupsByNameExact(t *testing.T) {
	search := func(name string) url.Values { return url.Values{"search": {`profile.name eq "` + name + `"`}} }
	c, _, _ := scripted(t, []exchange{
		// Okta's search values are case-insensitive: the exact name is kept, another case dropped.
		{method: "GET", path: "/api/v1/groups", query: search("Sales"),
			resp: `[{"id":"00g1","type":"OKTA_GROUP","profile":{"name":"Sales"}},{"id":"00g2","type":"APP_GROUP","profile":{"name":"Sales"}},{"id":"00g3","profile":{"name":"SALES"}}]`},
		{method: "GET", path: "/api/v1/groups", query: search("Sales"),
			resp: `[{"id":"00g1","type":"OKTA_GROUP","profile":{"name":"Sales"}},{"id":"00g2","type":"APP_GROUP","profile":{"name":"Sales"}}]`},
		// The search index lags writes: a group it does not show yet is found by name prefix.
		{method: "GET", path: "/api/v1/groups", query: search(`New \"Hires\"`), resp: `[]`},
		{method: "GET", path: "/api/v1/groups", query: url.Values{"q": {`New "Hires"`}},
			resp: `[{"id":"00g8","profile":{"name":"New \"Hires\" EU"}},{"id":"00g9","profile":{"name":"New \"Hires\""}}]`},
	})
	ctx := context.Background()
	gs, err := c.FindGroupsByName(ctx, "Sales")
	if err != nil || len(gs) != 2 || gs[0].ID != "00g1" || gs[1].ID != "00g2" {
		t.Fatalf("FindGroupsByName = %v, %v", gs, err)
	}
	if _, err := c.FindGroupByName(ctx, "Sales"); !errors.Is(err, ErrAmbiguous) || !strings.Contains(err.Error(), "00g2") {
		t.Fatalf("FindGroupByName of a shared name = %v; want ambiguous naming the ids", err)
	}
	g, err := c.FindGroupByName(ctx, `New "Hires"`)
	if err != nil || g.ID != "00g9" {
		t.Fatalf("FindGroupByName after search lag = %v, %v", g, err)
	}
}

func TestMembershipCalls(t *testing.T) {
	c, _, _ := scripted(t, []exchange{
		{method: "DELETE", path: "/api/v1/groups/00g1/users/00u1", status: 204},
		{method: "GET", path: "/api/v1/users/00u1/groups", resp: `[{"id":"00g0","type":"BUILT_IN","profile":{"name":"Everyone"}}]`,
			header: links("next", "{base}/api/v1/users/00u1/groups?after=00g0")},
		{method: "GET", path: "/api/v1/users/00u1/groups", rawQuery: "after=00g0", resp: `[` + groupJSON + `]`},
		{method: "GET", path: "/api/v1/users/00u1/groups", resp: `[{"id":"00g0","type":"BUILT_IN","profile":{"name":"Everyone"}}]`},
		{method: "GET", path: "/api/v1/groups/00g1", resp: groupJSON},
	})
	ctx := context.Background()
	if err := c.RemoveUserFromGroup(ctx, "00g1", "00u1"); err != nil {
		t.Fatal(err)
	}
	if in, err := c.IsMember(ctx, "00g1", "00u1"); err != nil || !in {
		t.Fatalf("IsMember on the second page = %v, %v", in, err)
	}
	if in, err := c.IsMember(ctx, "00g1", "00u1"); err != nil || in {
		t.Fatalf("IsMember of a non-member = %v, %v", in, err)
	}
	if g, err := c.GetGroup(ctx, "00g1"); err != nil || g.Name() != "Eng" {
		t.Fatalf("GetGroup = %v, %v", g, err)
	}
	for _, bad := range []func() error{
		func() error { return c.RemoveUserFromGroup(ctx, "00g1", "") },
		func() error { _, err := c.IsMember(ctx, "", "00u1"); return err },
		func() error { _, err := c.GetGroup(ctx, " "); return err },
		func() error { _, err := c.FindGroupsByName(ctx, ""); return err },
	} {
		if bad() == nil {
			t.Error("invalid input accepted")
		}
	}
}
