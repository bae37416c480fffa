package action

import (
	"fmt"
	"slices"
	"testing"
)

// Buckets lists every rate-limit bucket an action's calls fall in, so that
// a step is held back while any of them waits for its reset.
func TestBucketsCoverEveryCall(t *testing.T) {
	srv, c := sandbox(t, fastOrg)
	g := srv.AddGroup("Sales", "")
	for i, tc := range []struct {
		action, status string
		fields         map[string]any // "LOGIN" stands for the case's user
		options        map[string]any
	}{
		{"okta.add_user", "", map[string]any{"login": "new@acme.com", "email": "new@acme.com", "firstName": "N", "lastName": "H"}, nil},
		{"okta.get_user", "ACTIVE", map[string]any{"firstName": "Ann", "lastName": "Lee1"}, nil},
		{"okta.find_users", "ACTIVE", map[string]any{"search": `profile.lastName eq "Lee2"`}, nil},
		{"okta.update_user", "ACTIVE", map[string]any{"find.login": "LOGIN", "title": "Boss"}, nil},
		{"okta.activate_user", "STAGED", map[string]any{"login": "LOGIN"}, map[string]any{"sendEmail": false}},
		{"okta.suspend_user", "ACTIVE", map[string]any{"login": "LOGIN"}, nil},
		{"okta.unlock_user", "LOCKED_OUT", map[string]any{"login": "LOGIN"}, nil},
		{"okta.reset_password", "ACTIVE", map[string]any{"login": "LOGIN"}, map[string]any{"sendEmail": false}},
		{"okta.expire_password", "ACTIVE", map[string]any{"login": "LOGIN"}, nil},
		{"okta.deactivate_user", "ACTIVE", map[string]any{"login": "LOGIN"}, nil},
		{"okta.delete_user", "ACTIVE", map[string]any{"login": "LOGIN"}, map[string]any{"deactivate_first": true}},
		{"okta.add_to_group", "ACTIVE", map[string]any{"login": "LOGIN", "groupName": "Sales"}, nil},
		{"okta.remove_from_group", "ACTIVE", map[string]any{"login": "LOGIN", "groupId": g.ID}, nil},
	} {
		login := fmt.Sprintf("u%d@acme.com", i)
		if tc.status != "" {
			srv.AddUser(map[string]any{"login": login, "firstName": "Ann", "lastName": fmt.Sprintf("Lee%d", i)}, tc.status)
		}
		fields := map[string]any{}
		for k, v := range tc.fields {
			if v == "LOGIN" {
				v = login
			}
			fields[k] = v
		}
		before := srv.RequestCounts()
		a, _ := Lookup(tc.action)
		if _, err := runWith(t, c, tc.action, fields, tc.options); err != nil {
			t.Fatalf("%s: %v", tc.action, err)
		}
		for k, n := range srv.RequestCounts() {
			if n != before[k] && !slices.Contains(a.Buckets(), k.Bucket) {
				t.Errorf("%s called bucket %s, which its Buckets %v do not list", tc.action, k.Bucket, a.Buckets())
			}
		}
	}
}
