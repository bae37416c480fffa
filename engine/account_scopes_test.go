package engine

import (
	"slices"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// The OAuth account form offers the Okta API scopes, with the ones the
// integrations that name the account need marked (an integration may be
// imported before its account is added).
func TestOAuthScopesFromTheIntegrations(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	for _, in := range []storage.Integration{
		{Name: "mover", Trigger: storage.Trigger{Type: "okta_event", Config: map[string]any{"account": "acme-app", "event_types": "user.lifecycle.create"}},
			Steps: []storage.Step{
				{ID: "join", Action: "okta.add_to_group", Account: "acme-app", Fields: map[string]string{"login": "{{ trigger.x }}", "groupName": "Sales"}},
			}},
		{Name: "lookup", Trigger: storage.Trigger{Type: "manual"},
			Steps: []storage.Step{{ID: "find", Action: "okta.get_user", Account: "ACME-APP", Fields: map[string]string{"login": "{{ trigger.x }}"}}}},
		{Name: "other", Trigger: storage.Trigger{Type: "manual"},
			Steps: []storage.Step{{ID: "make", Action: "okta.add_user", Account: "sandbox", Fields: map[string]string{"login": "{{ trigger.x }}"}}}},
	} {
		if _, err := h.store.CreateIntegration(in); err != nil {
			t.Fatal(err)
		}
	}
	got, err := h.e.Session("local:alice", RoleAdmin).OAuthScopes("acme-app")
	if err != nil {
		t.Fatal(err)
	}
	needed := map[string][]string{}
	var offered []string
	for _, s := range got {
		offered = append(offered, s.Scope)
		if s.Needed {
			needed[s.Scope] = s.For
		}
	}
	for _, want := range []string{"okta.users.read", "okta.users.manage", "okta.groups.read", "okta.groups.manage", "okta.logs.read", "okta.schemas.read"} {
		if !slices.Contains(offered, want) {
			t.Errorf("%s not offered: %v", want, offered)
		}
	}
	for _, want := range []string{"okta.users.read", "okta.groups.read", "okta.groups.manage", "okta.logs.read", "okta.schemas.read"} {
		if len(needed[want]) == 0 {
			t.Errorf("%s not marked needed (%v)", want, needed)
		}
	}
	if _, ok := needed["okta.users.manage"]; ok {
		t.Errorf("okta.users.manage marked needed: only \"other\" (another account) creates users: %v", needed["okta.users.manage"])
	}
	if !slices.ContainsFunc(needed["okta.logs.read"], func(s string) bool { return s == "mover · trigger" }) {
		t.Errorf("logs.read for: %v", needed["okta.logs.read"])
	}
}

// Each step's scopes are the ones its action declares (action.Traits.Scopes,
// which the action tests prove enough for every call), no more, no less.
func TestOAuthScopesAreTheActionsOwn(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	for _, act := range action.All() {
		if act.Traits().Connector != action.ConnectorOkta {
			continue
		}
		name := "app-" + strings.ReplaceAll(act.ID(), ".", "-")
		if _, err := h.store.CreateIntegration(storage.Integration{Name: act.ID(), Trigger: storage.Trigger{Type: "manual"},
			Steps: []storage.Step{{ID: "s", Action: act.ID(), Account: name}}}); err != nil {
			t.Fatal(err)
		}
		got, err := h.e.Session("local:alice", RoleAdmin).OAuthScopes(name)
		if err != nil {
			t.Fatal(err)
		}
		var forStep []string
		for _, s := range got {
			if slices.Contains(s.For, act.ID()+" · step s") {
				forStep = append(forStep, s.Scope)
			}
		}
		want := slices.Clone(act.Traits().Scopes)
		slices.Sort(want)
		slices.Sort(forStep)
		if !slices.Equal(forStep, want) {
			t.Errorf("%s: the step needs %v, its action declares %v", act.ID(), forStep, want)
		}
	}
}
