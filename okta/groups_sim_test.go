package okta_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// Group membership and finding groups by exact name, against the simulator.

func TestSimMembership(t *testing.T) {
	t.Parallel()
	s := newSim(t, oktatest.Options{RateLimit: bigBudget})
	c := simClient(t, s)
	ctx := context.Background()
	sales := s.AddGroup("Sales", "")
	eng := s.AddGroup("Engineering", "")
	u := s.AddUser(map[string]any{"login": "ann@example.com"}, "ACTIVE")

	if in := must(c.IsMember(ctx, sales.ID, u.ID))(t); in {
		t.Fatal("member before being added")
	}
	if err := c.AddUserToGroup(ctx, sales.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if in := must(c.IsMember(ctx, sales.ID, u.ID))(t); !in {
		t.Fatal("not a member after being added")
	}
	var names []string
	for g, err := range c.ListUserGroups(ctx, u.ID) {
		names = append(names, must(g, err)(t).Name())
	}
	if !slices.Contains(names, "Sales") || slices.Contains(names, "Engineering") || !slices.Contains(names, "Everyone") {
		t.Fatalf("ListUserGroups = %v", names)
	}
	if err := c.RemoveUserFromGroup(ctx, sales.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.UserByLogin("ann@example.com"); len(st.GroupIDs) != 0 {
		t.Fatalf("still in %v", st.GroupIDs)
	}
	// Removing a non-member is not an error at Okta either.
	if err := c.RemoveUserFromGroup(ctx, eng.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveUserFromGroup(ctx, "00gMISSING", u.ID); !okta.IsNotFound(err) {
		t.Fatalf("missing group: %v; want not found", err)
	}
	if _, err := c.IsMember(ctx, sales.ID, "00uMISSING"); !okta.IsNotFound(err) {
		t.Fatalf("missing user: %v; want not found", err)
	}
	if g := must(c.GetGroup(ctx, eng.ID))(t); g.Name() != "Engineering" {
		t.Fatalf("GetGroup = %v", g.Name())
	}
}

func TestSimFindGroupsByName(t *testing.T) {
	t.Parallel()
	s := newSim(t, oktatest.Options{RateLimit: bigBudget})
	c := simClient(t, s)
	ctx := context.Background()
	eng := s.AddGroup("Engineering", "")
	s.AddGroup("Engineering EU", "")
	s.AddGroup("Eng", "")

	got := must(c.FindGroupsByName(ctx, "Engineering"))(t)
	if len(got) != 1 || got[0].ID != eng.ID {
		t.Fatalf("FindGroupsByName(Engineering) = %v", groupNames(got))
	}
	if got := must(c.FindGroupsByName(ctx, "Engine"))(t); len(got) != 0 {
		t.Fatalf("a prefix matched: %v", groupNames(got))
	}
	if got := must(c.FindGroupsByName(ctx, `Sales "West"`))(t); len(got) != 0 {
		t.Fatalf("quotes in a name: %v", groupNames(got))
	}
	// Another case is not the exact name; the not-found error suggests it.
	_, err := c.FindGroupByName(ctx, "engineering")
	var nf *okta.GroupNotFoundError
	if !okta.IsNotFound(err) || !errors.As(err, &nf) || !slices.Contains(nf.Similar, "Engineering") {
		t.Fatalf("FindGroupByName(engineering) = %v; want not found suggesting Engineering", err)
	}
}

func groupNames(gs []*okta.Group) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.Name())
	}
	return out
}

// GroupsByPrefix: a case-insensitive prefix of the name, at most limit
// groups, one request whatever the org holds.
func TestSimGroupsByPrefix(t *testing.T) {
	t.Parallel()
	s := newSim(t, oktatest.Options{RateLimit: bigBudget})
	c := simClient(t, s)
	for _, n := range []string{"Sales", "Sales EMEA", "sales-us", "Engineering", "Salt"} {
		s.AddGroup(n, "")
	}
	for i := range 30 {
		s.AddGroup("Team "+string(rune('a'+i%26))+string(rune('a'+i/26)), "")
	}
	ctx := context.Background()
	var names []string
	for _, g := range must(c.GroupsByPrefix(ctx, "sales", 10))(t) {
		names = append(names, g.Name())
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"Sales", "Sales EMEA", "sales-us"}) {
		t.Fatalf("prefix sales: %v", names)
	}
	before := s.RequestCount("/api/v1/groups", 200)
	if got := must(c.GroupsByPrefix(ctx, "Team", 5))(t); len(got) != 5 {
		t.Fatalf("limit 5: %d groups", len(got))
	}
	if got := must(c.GroupsByPrefix(ctx, "", 7))(t); len(got) != 7 {
		t.Fatalf("no prefix, limit 7: %d groups", len(got))
	}
	if n := s.RequestCount("/api/v1/groups", 200) - before; n != 2 {
		t.Errorf("%d requests for two bounded lookups", n)
	}
}
