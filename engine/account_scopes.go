package engine

import (
	"strings"

	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/okta"
)

// ScopeNeed is an Okta API scope an OAuth account may request, and what
// needs it.
type ScopeNeed struct {
	Scope  string
	Needed bool     // something that uses the account needs it
	For    []string // what: "Onboard · step create", "mover · trigger", "verify and field lists"
}

// oauthScopes are the scopes the connector's actions and triggers can use,
// in the order a form offers them.
var oauthScopes = []string{okta.ScopeUsersRead, okta.ScopeUsersManage, okta.ScopeGroupsRead, okta.ScopeGroupsManage,
	okta.ScopeLogsRead, okta.ScopeSchemasRead}

// OAuthScopes lists the scopes an OAuth account could request, marking the
// ones needed by the integrations that name it (by name or id; an
// integration may be imported before its account is added): each step's
// action (actionScopes), and an okta_event trigger (okta.logs.read).
// okta.users.read and okta.schemas.read are always needed: the account is
// verified with a user read, and its field lists come from the schema.
func (e *Engine) OAuthScopes(account string) ([]ScopeNeed, error) {
	list, err := e.store.Integrations()
	if err != nil {
		return nil, err
	}
	ref := func(s string) bool { return strings.EqualFold(s, account) }
	if a, err := e.store.Account(account); err == nil {
		ref = func(s string) bool { return strings.EqualFold(s, a.Name) || s == a.ID }
	}
	why := map[string][]string{
		okta.ScopeUsersRead:   {"verify and find users"},
		okta.ScopeSchemasRead: {"field lists (refresh fields)"},
	}
	for _, in := range list {
		if in.Trigger.Type == trigger.OktaEvent {
			if acc, _ := in.Trigger.Config["account"].(string); ref(acc) {
				why[okta.ScopeLogsRead] = append(why[okta.ScopeLogsRead], in.Name+" · trigger")
			}
		}
		for _, st := range in.Steps {
			act, ok := action.Lookup(st.Action)
			if !ok || !ref(st.Account) {
				continue
			}
			for _, sc := range act.Traits().Scopes {
				why[sc] = append(why[sc], in.Name+" · step "+st.ID)
			}
		}
	}
	out := make([]ScopeNeed, 0, len(oauthScopes))
	for _, sc := range oauthScopes {
		out = append(out, ScopeNeed{Scope: sc, Needed: len(why[sc]) > 0, For: why[sc]})
	}
	return out, nil
}
