package action

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// oktaCall is one run of an Okta action that makes every kind of call the
// action makes (the user in the given status, "LOGIN" standing for it).
type oktaCall struct {
	action, status string
	fields         map[string]any
	options        map[string]any
}

var everyOktaCall = []oktaCall{
	{"okta.add_user", "", map[string]any{"login": "new@acme.com", "email": "new@acme.com", "firstName": "N", "lastName": "H"}, nil},
	{"okta.get_user", "ACTIVE", map[string]any{"firstName": "Ann", "lastName": "Lee1"}, nil},
	{"okta.find_users", "ACTIVE", map[string]any{"search": `profile.lastName eq "Lee2"`}, nil},
	{"okta.update_user", "ACTIVE", map[string]any{"find.login": "LOGIN", "title": "Boss"}, nil},
	{"okta.activate_user", "STAGED", map[string]any{"login": "LOGIN"}, map[string]any{"sendEmail": false}},
	{"okta.reactivate_user", "PROVISIONED", map[string]any{"login": "LOGIN"}, map[string]any{"sendEmail": false}},
	{"okta.suspend_user", "ACTIVE", map[string]any{"login": "LOGIN"}, nil},
	{"okta.unsuspend_user", "SUSPENDED", map[string]any{"login": "LOGIN"}, nil},
	{"okta.unlock_user", "LOCKED_OUT", map[string]any{"login": "LOGIN"}, nil},
	{"okta.reset_password", "ACTIVE", map[string]any{"login": "LOGIN"}, map[string]any{"sendEmail": false}},
	{"okta.expire_password", "ACTIVE", map[string]any{"login": "LOGIN"}, nil},
	{"okta.deactivate_user", "ACTIVE", map[string]any{"login": "LOGIN"}, nil},
	{"okta.delete_user", "ACTIVE", map[string]any{"login": "LOGIN"}, map[string]any{"deactivate_first": true}},
	{"okta.add_to_group", "ACTIVE", map[string]any{"login": "LOGIN", "groupName": "Sales"}, nil},
	{"okta.remove_from_group", "ACTIVE", map[string]any{"login": "LOGIN", "groupId": "SALES"}, nil},
}

// eachOktaCall runs every case of everyOktaCall on srv, with the Okta
// client client(action) gives, checking with check what the run did; admin
// sets the cases up.
func eachOktaCall(t *testing.T, srv *oktatest.Server, admin *okta.Client, client func(Action) Okta, check func(a Action, before map[oktatest.RequestKey]int)) {
	t.Helper()
	g := srv.AddGroup("Sales", "")
	for i, tc := range everyOktaCall {
		login := fmt.Sprintf("u%d@acme.com", i)
		if tc.status != "" {
			u := srv.AddUser(map[string]any{"login": login, "firstName": "Ann", "lastName": fmt.Sprintf("Lee%d", i)}, tc.status)
			if tc.action == "okta.remove_from_group" {
				if err := admin.AddUserToGroup(context.Background(), g.ID, u.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		fields := map[string]any{}
		for k, v := range tc.fields {
			switch v {
			case "LOGIN":
				v = login
			case "SALES":
				v = g.ID
			}
			fields[k] = v
		}
		before := srv.RequestCounts()
		a, _ := Lookup(tc.action)
		if _, err := runWith(t, client(a), tc.action, fields, tc.options); err != nil {
			t.Fatalf("%s: %v", tc.action, err)
		}
		check(a, before)
	}
}

// Buckets lists every rate-limit bucket an action's calls fall in, so that
// a step is held back while any of them waits for its reset.
func TestBucketsCoverEveryCall(t *testing.T) {
	srv, c := sandbox(t, fastOrg)
	eachOktaCall(t, srv, c, func(Action) Okta { return c }, func(a Action, before map[oktatest.RequestKey]int) {
		for k, n := range srv.RequestCounts() {
			if n != before[k] && !slices.Contains(a.Buckets(), k.Bucket) {
				t.Errorf("%s called bucket %s, which its Buckets %v do not list", a.ID(), k.Bucket, a.Buckets())
			}
		}
	})
}

// Traits.Scopes are enough for every call an action makes: each action
// runs as an OAuth service app granted exactly its scopes. Actions that do
// not call Okta need none, and every Okta action is covered here.
func TestScopesCoverEveryCall(t *testing.T) {
	srv, admin := sandbox(t, fastOrg)
	key := testSigningKey(t)
	eachOktaCall(t, srv, admin, func(a Action) Okta {
		scopes := a.Traits().Scopes
		id, err := srv.RegisterOAuthClient(oktatest.OAuthClient{Name: a.ID(), PublicKey: key, Scopes: scopes})
		if err != nil {
			t.Fatal(err)
		}
		c, err := okta.NewOAuthClient(srv.URL, okta.OAuthConfig{ClientID: id, PrivateKey: key, Scopes: scopes},
			okta.WithAllowHTTPLoopback(), okta.WithRetryBackoff(time.Millisecond, 10*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}, func(Action, map[oktatest.RequestKey]int) {})

	for _, a := range All() {
		covered := slices.ContainsFunc(everyOktaCall, func(c oktaCall) bool { return c.action == a.ID() })
		switch okta := a.Traits().Connector == ConnectorOkta; {
		case okta && !covered:
			t.Errorf("%s is not in everyOktaCall", a.ID())
		case okta && len(a.Traits().Scopes) == 0:
			t.Errorf("%s lists no scopes", a.ID())
		case !okta && len(a.Traits().Scopes) > 0:
			t.Errorf("%s calls no Okta API but lists scopes %v", a.ID(), a.Traits().Scopes)
		}
	}
	// A scope less is refused, naming it: the scopes are not decoration.
	add, _ := Lookup("okta.add_user")
	id, _ := srv.RegisterOAuthClient(oktatest.OAuthClient{PublicKey: key, Scopes: []string{okta.ScopeUsersRead}})
	c, _ := okta.NewOAuthClient(srv.URL, okta.OAuthConfig{ClientID: id, PrivateKey: key, Scopes: []string{okta.ScopeUsersRead}}, okta.WithAllowHTTPLoopback())
	_, err := add.Run(context.Background(), Conn{Okta: c}, Input{Fields: map[string]any{"login": "x@acme.com", "email": "x@acme.com", "firstName": "X", "lastName": "Y"}})
	if scope, ok := okta.IsMissingScope(err); !ok || scope != okta.ScopeUsersManage {
		t.Fatalf("add_user with users.read only: %v (missing %q)", err, scope)
	}
}

// testSigningKey is a service app's key, PEM: the app signs with it and
// the simulated org checks with it. (A DPoP key has the same form: an EC
// P-256 key in PKCS#8 PEM.)
func testSigningKey(t *testing.T) []byte {
	t.Helper()
	key, err := okta.NewDPoPKey()
	if err != nil {
		t.Fatal(err)
	}
	return key
}
