package action

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta"
)

func TestUpdateUser(t *testing.T) {
	srv, c := sandbox(t, fastOrg)
	srv.AddUser(map[string]any{"login": "ann@acme.com", "department": "Sales", "title": "Rep"}, "ACTIVE")
	f := map[string]any{"find.login": "ann@acme.com", "department": "Engineering", "title": "Rep", "city": ""}
	out, err := runWith(t, c, "okta.update_user", f, nil)
	changed, _ := out["changed"].([]any)
	if err != nil || out["outcome"] != "updated" || len(changed) != 1 || changed[0] != "department" {
		t.Fatalf("update: %v %v, %v", out["outcome"], out["changed"], err)
	}
	st, _ := srv.UserByLogin("ann@acme.com")
	if st.Profile["department"] != "Engineering" || st.Profile["title"] != "Rep" || st.Profile["firstName"] == nil {
		t.Fatalf("org holds %v", st.Profile)
	}
	if _, has := st.Profile["city"]; has {
		t.Fatal("an empty mapping was sent")
	}
	// Again: every value is there already, no call.
	before := srv.RequestCount("/api/v1/users/{id}", 200)
	out, err = runWith(t, c, "okta.update_user", f, nil)
	if err != nil || out["outcome"] != "unchanged" || srv.RequestCount("/api/v1/users/{id}", 200) != before {
		t.Fatalf("again: %v, %v", out["outcome"], err)
	}
	// Lost answer, then the retry finds the values there.
	f["department"] = "Research"
	if _, err := runWith(t, lossy{c}, "okta.update_user", f, nil); !errors.Is(err, errLost) {
		t.Fatal(err)
	}
	if out, err := runWith(t, c, "okta.update_user", f, nil); err != nil || out["outcome"] != "unchanged" {
		t.Fatalf("retry: %v, %v", out["outcome"], err)
	}
	// A missing user: an outcome unless strict.
	missing := map[string]any{"find.login": "nobody@acme.com", "title": "x"}
	if out, err := runWith(t, c, "okta.update_user", missing, nil); err != nil || out["outcome"] != "not_found" {
		t.Fatalf("missing: %v, %v", out, err)
	}
	var ae *Error
	if _, err := runWith(t, c, "okta.update_user", missing, map[string]any{"strict": true}); !errors.As(err, &ae) || ae.Code != CodeNotFound {
		t.Fatalf("missing, strict: %v", err)
	}
	// A deactivated user's profile is refused before any call.
	srv.AddUser(map[string]any{"login": "gone@acme.com"}, "DEPROVISIONED")
	_, err = runWith(t, c, "okta.update_user", map[string]any{"find.login": "gone@acme.com", "title": "x"}, nil)
	if !errors.As(err, &ae) || ae.Code != CodeWrongStatus || !strings.Contains(err.Error(), "okta.activate_user") {
		t.Fatalf("deprovisioned: %v", err)
	}
	// Okta's own validation answer comes through.
	if _, err := runWith(t, c, "okta.update_user", map[string]any{"find.login": "ann@acme.com", "nope": "x"}, nil); err == nil || IsPermanent(err) {
		t.Fatalf("unknown attribute: %v; want Okta's E0000001", err)
	}
	u, _ := Lookup("okta.update_user")
	if err := u.Check([]string{"find.login"}, nil); err == nil {
		t.Fatal("an update that maps nothing to change passed the check")
	}
	if err := u.Check([]string{"login", "department"}, nil); err == nil || !strings.Contains(err.Error(), "find.id") {
		t.Fatalf("login is an attribute to set, not a finder: %v", err)
	}
}

func TestDeleteUser(t *testing.T) {
	srv, c := sandbox(t, fastOrg)
	srv.AddUser(map[string]any{"login": "gone@acme.com"}, "DEPROVISIONED")
	srv.AddUser(map[string]any{"login": "ann@acme.com"}, "ACTIVE")

	out, err := runWith(t, c, "okta.delete_user", map[string]any{"login": "gone@acme.com"}, nil)
	if err != nil || out["outcome"] != "deleted" || out["status"] != "DEPROVISIONED" {
		t.Fatalf("delete: %v, %v", out, err)
	}
	if _, ok := srv.UserByLogin("gone@acme.com"); ok {
		t.Fatal("still in the org")
	}
	if out, err := runWith(t, c, "okta.delete_user", map[string]any{"login": "gone@acme.com"}, nil); err != nil || out["outcome"] != "not_found" {
		t.Fatalf("again: %v, %v", out, err)
	}
	var ae *Error
	_, err = runWith(t, c, "okta.delete_user", map[string]any{"login": "ann@acme.com"}, nil)
	if !errors.As(err, &ae) || ae.Code != CodeWrongStatus || !strings.Contains(err.Error(), "deactivate_first") {
		t.Fatalf("an active user: %v", err)
	}
	if st, _ := srv.UserByLogin("ann@acme.com"); st.Status != "ACTIVE" {
		t.Fatalf("a refused delete changed the user: %s", st.Status)
	}
	// deactivate_first, with the answers lost: the retry finishes the job.
	opts := map[string]any{"deactivate_first": true}
	if _, err := runWith(t, lossy{c}, "okta.delete_user", map[string]any{"login": "ann@acme.com"}, opts); !errors.Is(err, errLost) {
		t.Fatal(err)
	}
	if st, ok := srv.UserByLogin("ann@acme.com"); ok {
		out, err := runWith(t, c, "okta.delete_user", map[string]any{"id": st.ID}, opts)
		if err != nil || out["outcome"] != "deleted" {
			t.Fatalf("retry: %v, %v", out, err)
		}
	}
	if _, ok := srv.UserByLogin("ann@acme.com"); ok {
		t.Fatal("deactivate_first did not delete")
	}
	d, _ := Lookup("okta.delete_user")
	if !d.Traits().Destructive || len(d.Describe(Input{Fields: map[string]any{"login": "x"}}).Warnings) == 0 {
		t.Fatal("delete is not marked permanent")
	}
	if err := d.Check([]string{"login"}, map[string]any{"match": "first"}); err == nil {
		t.Fatal("delete accepted match: first")
	}
}

func TestGroupMembership(t *testing.T) {
	srv, c := sandbox(t, fastOrg)
	sales := srv.AddGroup("Sales", "")
	srv.AddGroup("Engineering", "")
	srv.AddUser(map[string]any{"login": "ann@acme.com", "firstName": "Ann", "lastName": "Lee"}, "ACTIVE")

	byName := map[string]any{"firstName": "Ann", "lastName": "Lee", "groupName": "Sales"}
	out, err := runWith(t, c, "okta.add_to_group", byName, nil)
	g, _ := out["group"].(map[string]any)
	if err != nil || out["outcome"] != "added" || g["id"] != sales.ID || g["name"] != "Sales" {
		t.Fatalf("add: %v, %v", out, err)
	}
	if st, _ := srv.UserByLogin("ann@acme.com"); len(st.GroupIDs) != 1 || st.GroupIDs[0] != sales.ID {
		t.Fatalf("groups %v", st.GroupIDs)
	}
	byID := map[string]any{"login": "ann@acme.com", "groupId": sales.ID}
	if out, err := runWith(t, c, "okta.add_to_group", byID, nil); err != nil || out["outcome"] != "already_member" {
		t.Fatalf("add again: %v, %v", out["outcome"], err)
	}
	if out, err := runWith(t, c, "okta.remove_from_group", byID, nil); err != nil || out["outcome"] != "removed" {
		t.Fatalf("remove: %v, %v", out["outcome"], err)
	}
	if out, err := runWith(t, c, "okta.remove_from_group", byName, nil); err != nil || out["outcome"] != "not_member" {
		t.Fatalf("remove again: %v, %v", out["outcome"], err)
	}
	// Lost answers: the retry sees the membership and does nothing.
	if _, err := runWith(t, lossy{c}, "okta.add_to_group", byID, nil); !errors.Is(err, errLost) {
		t.Fatal(err)
	}
	if out, err := runWith(t, c, "okta.add_to_group", byID, nil); err != nil || out["outcome"] != "already_member" {
		t.Fatalf("retry: %v, %v", out["outcome"], err)
	}
	var ae *Error
	_, err = runWith(t, c, "okta.add_to_group", map[string]any{"login": "ann@acme.com", "groupName": "sales"}, nil)
	if !errors.As(err, &ae) || ae.Code != CodeNotFound || !strings.Contains(err.Error(), `did you mean "Sales"`) {
		t.Fatalf("another case: %v", err)
	}
	_, err = runWith(t, c, "okta.add_to_group", map[string]any{"login": "ann@acme.com", "groupName": "Marketing"}, nil)
	if !errors.As(err, &ae) || ae.Code != CodeNotFound || !strings.Contains(err.Error(), "Marketing") {
		t.Fatalf("missing group: %v", err)
	}
	_, err = runWith(t, c, "okta.remove_from_group", map[string]any{"login": "ann@acme.com", "groupId": "00gNOPE"}, nil)
	if !errors.As(err, &ae) || ae.Code != CodeNotFound {
		t.Fatalf("missing group id: %v", err)
	}
	if a, _ := Lookup("okta.add_to_group"); a.Check([]string{"login"}, nil) == nil {
		t.Fatal("a membership without a group passed the check")
	}
}

func TestFindUsers(t *testing.T) {
	srv, c := sandbox(t, fastOrg)
	for _, l := range []string{"a", "b", "c"} {
		srv.AddUser(map[string]any{"login": l + "@acme.com", "firstName": "Sam", "lastName": "Lee", "department": "Sales"}, "ACTIVE")
	}
	srv.AddUser(map[string]any{"login": "d@acme.com", "firstName": "Sam", "lastName": "Ray", "department": "Ops"}, "ACTIVE")
	out, err := runWith(t, c, "okta.find_users", map[string]any{"search": `profile.department eq "Sales"`}, map[string]any{"limit": 2})
	users, _ := out["users"].([]any)
	if err != nil || out["outcome"] != "found" || out["count"] != 2 || out["more"] != true || len(users) != 2 {
		t.Fatalf("bounded: %v, %v", out, err)
	}
	out, err = runWith(t, c, "okta.find_users", map[string]any{"firstName": "sam"}, nil)
	if err != nil || out["count"] != 4 || out["more"] != false {
		t.Fatalf("by first name: %v, %v", out["count"], err)
	}
	out, err = runWith(t, c, "okta.find_users", map[string]any{"firstName": "Sam", "lastName": "Ray"}, nil)
	if err != nil || out["count"] != 1 {
		t.Fatalf("by name: %v, %v", out["count"], err)
	}
	if out, err := runWith(t, c, "okta.find_users", map[string]any{"lastName": "Nobody"}, nil); err != nil || out["outcome"] != "none" || out["count"] != 0 {
		t.Fatalf("none: %v, %v", out, err)
	}
	if _, err := runWith(t, c, "okta.find_users", map[string]any{"search": `profile.department eq`}, nil); err == nil {
		t.Fatal("a bad search expression passed")
	}
	if a, _ := Lookup("okta.find_users"); !a.Traits().ReadOnly {
		t.Fatal("find_users is not read-only")
	}
}

// Okta's search index lags writes: a user or group created a moment ago is
// found by name all the same, and finding one by name never misses them.
func TestFindersUnderSearchLag(t *testing.T) {
	saved := searchSettle
	searchSettle = []time.Duration{150 * time.Millisecond, 300 * time.Millisecond}
	defer func() { searchSettle = saved }()
	opts := fastOrg
	opts.SearchLag = 200 * time.Millisecond
	srv, c := sandbox(t, opts)
	ctx := context.Background()
	u, err := c.CreateUser(ctx, okta.CreateUserRequest{Activate: true, Profile: map[string]any{
		"login": "new.hire@acme.com", "email": "new.hire@acme.com", "firstName": "New", "lastName": "Hire"}})
	if err != nil {
		t.Fatal(err)
	}
	g, err := c.CreateGroup(ctx, "New hires", "")
	if err != nil {
		t.Fatal(err)
	}
	out, err := runWith(t, c, "okta.add_to_group", map[string]any{"firstName": "New", "lastName": "Hire", "groupName": "New hires"}, nil)
	if err != nil || out["id"] != u.ID || out["outcome"] != "added" {
		t.Fatalf("under lag: %v, %v", out, err)
	}
	if st, _ := srv.UserByLogin("new.hire@acme.com"); len(st.GroupIDs) != 1 || st.GroupIDs[0] != g.ID {
		t.Fatalf("groups %v", st.GroupIDs)
	}
}
