package okta

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
)

const groupJSON = `{"id":"00g1","created":"2026-01-06T09:19:35.000Z","lastUpdated":"2026-01-06T09:19:35.000Z","lastMembershipUpdated":"2026-03-01T19:20:57.000Z","objectClass":["okta:user_group"],"type":"OKTA_GROUP","profile":{"name":"Eng","description":"Engineers"},"_links":{"logo":[{"name":"medium","href":"x","type":"image/png"}],"users":{"href":"{base}/api/v1/groups/00g1/users"}}}`

func TestGroups(t *testing.T) {
	c, _, _ := scripted(t, []exchange{
		{method: "GET", path: "/api/v1/groups", query: url.Values{"q": {"Eng"}},
			resp: `[{"id":"00g0","profile":{"name":"Engineering"}}]`, header: links("next", "{base}/api/v1/groups?after=00g0&q=Eng")},
		{method: "GET", path: "/api/v1/groups", rawQuery: "after=00g0&q=Eng", resp: "[" + groupJSON + "]"},
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
